"""Model submissions: a lab offers a model, the operator approves or rejects it, and an approved
one is scored through the fair queue like any other scorer (docs/living-benchmark.md).

Who may do what: submitting by hub id needs the ``scoring.submit_model`` permission (being a
researcher of a study does not give it); submitting a local folder, approving and rejecting are
the operator's (staff). Every refusal is a PermissionDenied or ValidationError raised before
anything is stored; every decision is in the audit log, in the same transaction.
"""

from __future__ import annotations

import re
from pathlib import Path

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from braintrial.audit.services import audit_event_record
from scoring.models import HUB_ID_PATTERN, REVISION_PATTERN, ModelSubmission
from scoring.services.scorers import scorer_create
from scoring.services.start import score_run_start

SUBMIT_PERMISSION = "scoring.submit_model"
# Branch names move: a revision must name one commit (a hash) or a tag.
MOVING_REVISIONS = {"main", "master", "head", "dev", "develop", "latest"}
LICENSE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .,:;()+/_-]{0,99}$")
Submitter = AbstractBaseUser | AnonymousUser


class SubmissionDecided(ValidationError):
    """The submission was approved or rejected already (a second click, a second operator)."""


NO_PERMISSION = (
    "Your account may not submit models: the operator grants that permission "
    "(being a researcher of a study does not)."
)


def _operator(user: Submitter) -> User:
    if not (isinstance(user, User) and user.is_active and user.is_staff):
        raise PermissionDenied("Only the operator (staff) may do this with model submissions.")
    return user


def _submitter(user: Submitter) -> User:
    if not (isinstance(user, User) and user.is_active and user.has_perm(SUBMIT_PERMISSION)):
        raise PermissionDenied(NO_PERMISSION)
    return user


def _license_clean(license: str) -> str:
    license = license.strip()
    if not license:
        raise ValidationError({"license": "Name the model's licence (e.g. apache-2.0, mit)."})
    if not LICENSE_PATTERN.match(license):
        raise ValidationError(
            {"license": "A licence is a short name (letters, digits, spaces, . - + / ( ))."}
        )
    return license


def _hub_clean(hub_id: str, revision: str) -> tuple[str, str]:
    hub_id, revision = hub_id.strip(), revision.strip()
    if not re.match(HUB_ID_PATTERN, hub_id):
        raise ValidationError({"hub_id": "A hub id is owner/name, e.g. my-lab/neuro-7b."})
    if not re.match(REVISION_PATTERN, revision):
        raise ValidationError({"revision": "The revision is a commit hash or a tag."})
    if revision.lower() in MOVING_REVISIONS:
        raise ValidationError(
            {"revision": f"{revision!r} is a branch, which moves: give a commit hash or a tag."}
        )
    return hub_id, revision


def _display_name(display_name: str, fallback: str) -> str:
    name = display_name.strip() or fallback
    return name[:200]


def _create(submission: ModelSubmission, *, user: User) -> ModelSubmission:
    """Save a new submission and its audit entry, or nothing; a duplicate is a ValidationError."""
    submission.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            submission.save()
            audit_event_record(
                event="model_submission.submit",
                instance=submission,
                actor=user,
                action=LogEntry.Action.CREATE,
                details={"source": submission.source, "license": submission.license},
            )
    except IntegrityError as exc:
        raise ValidationError(
            f"{submission.source} was submitted already (each model revision is submitted "
            "once); see your submissions."
        ) from exc
    return submission


def model_submission_hub_create(
    *, user: Submitter, hub_id: str, revision: str, license: str, display_name: str = ""
) -> ModelSubmission:
    """Record a hub model's revision for the operator to check and approve; nothing is fetched."""
    submitter = _submitter(user)
    hub_id, revision = _hub_clean(hub_id, revision)
    submission = ModelSubmission(
        submitter=submitter,
        hub_id=hub_id,
        revision=revision,
        license=_license_clean(license),
        display_name=_display_name(display_name, f"{hub_id}@{revision}"),
    )
    return _create(submission, user=submitter)


def _folder_check(local_path: str) -> tuple[Path, dict[str, object]]:
    """Check a folder (scoring.engine.submission) and hash it: the fields a submission keeps."""
    from scoring.engine.submission import ModelFolderError, model_folder_check
    from scoring.engine.weights import folder_sha256

    text = local_path.strip()
    if not text or not Path(text).is_absolute():
        raise ValidationError({"local_path": "Give the model folder's absolute path."})
    folder = Path(text)
    try:
        report = model_folder_check(folder, max_bytes=settings.MODEL_SUBMISSION_MAX_BYTES)
        checksum = folder_sha256(folder)
    except ModelFolderError as exc:
        raise ValidationError(str(exc)) from exc
    except OSError as exc:
        raise ValidationError(f"The model folder cannot be read: {exc}") from exc
    return folder, {
        "content_sha256": checksum,
        "model_type": report.model_type,
        "weight_bytes": report.weight_bytes,
        "card_license": report.card_license,
        "checks": report.checks,
    }


def model_submission_local_create(
    *, user: Submitter, local_path: str, license: str, display_name: str = ""
) -> ModelSubmission:
    """The operator submits a folder on this machine; it is checked now, and again at approval."""
    operator = _operator(user)
    license = _license_clean(license)
    folder, found = _folder_check(local_path)
    submission = ModelSubmission(
        submitter=operator,
        local_path=str(folder),
        license=license,
        display_name=_display_name(display_name, folder.name),
        **found,  # type: ignore[arg-type]
    )
    return _create(submission, user=operator)


def model_submission_create(
    *,
    user: Submitter,
    license: str,
    hub_id: str = "",
    revision: str = "",
    local_path: str = "",
    display_name: str = "",
) -> ModelSubmission:
    """A hub revision (anyone with the permission) or a local folder (the operator)."""
    if local_path.strip():
        return model_submission_local_create(
            user=user, local_path=local_path, license=license, display_name=display_name
        )
    return model_submission_hub_create(
        user=user, hub_id=hub_id, revision=revision, license=license, display_name=display_name
    )


def model_submission_approve(
    *, user: Submitter, submission_id: int, local_path: str = "", enqueue: bool = True
) -> ModelSubmission:
    """Approve: check the folder, create its scorer and a run over the item bank in the queue.

    A hub submission is scored from the folder the operator downloaded that revision into
    (``local_path``); a local one from its own folder, which must still hold the files it was
    submitted with. Row-locked: a second approval (two operators at once) raises
    SubmissionDecided and creates nothing. QueueUnavailable (score_run_start) stores nothing.
    """
    operator = _operator(user)
    current = ModelSubmission.objects.get(pk=submission_id)
    if current.status != ModelSubmission.Status.SUBMITTED:  # said before any file is read
        raise SubmissionDecided(f"This submission was {current.status} already.")
    folder, found = _folder_check(local_path or current.local_path)
    if current.local_path and found["content_sha256"] != current.content_sha256:
        raise ValidationError(
            "The folder's files changed since it was submitted: submit the new files again."
        )
    with transaction.atomic():
        submission = ModelSubmission.objects.select_for_update().get(pk=submission_id)
        if submission.status != ModelSubmission.Status.SUBMITTED:
            raise SubmissionDecided(f"This submission was {submission.status} already.")
        for field, value in found.items():
            setattr(submission, field, value)
        scorer = scorer_create(
            name=f"submission-{submission.pk}",
            model_source=str(folder),
            display_name=submission.display_name,
        )
        run = score_run_start(user=operator, scorer=scorer, enqueue=enqueue)
        submission.status = ModelSubmission.Status.APPROVED
        submission.scorer, submission.run = scorer, run
        submission.decided_by, submission.decided_at = operator, timezone.now()
        try:
            with transaction.atomic():
                submission.save()
        except IntegrityError as exc:
            raise ValidationError(
                "A model with exactly these files was submitted already."
            ) from exc
        audit_event_record(
            event="model_submission.approve",
            instance=submission,
            actor=operator,
            details={"source": submission.source, "scorer": scorer.name, "run": run.pk},
        )
    return submission


def model_submission_reject(*, user: Submitter, submission_id: int, reason: str) -> ModelSubmission:
    """Reject with a reason the submitter reads; only a submission still awaiting a decision."""
    operator = _operator(user)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the submission is rejected."})
    with transaction.atomic():
        updated = ModelSubmission.objects.filter(
            pk=submission_id, status=ModelSubmission.Status.SUBMITTED
        ).update(
            status=ModelSubmission.Status.REJECTED,
            reason=reason[:2000],
            decided_by=operator,
            decided_at=timezone.now(),
        )
        submission = ModelSubmission.objects.get(pk=submission_id)
        if not updated:
            raise SubmissionDecided(f"This submission was {submission.status} already.")
        audit_event_record(
            event="model_submission.reject",
            instance=submission,
            actor=operator,
            details={"source": submission.source, "reason": submission.reason},
        )
    return submission
