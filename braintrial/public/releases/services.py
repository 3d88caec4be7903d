"""Freezing a release: one transaction writes the release, its items and its files, and the
audit entry that records who froze it. Nothing ever updates them (the database refuses it)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from braintrial.analysis.types import StudyReport
from braintrial.audit.services import audit_event_record
from braintrial.dashboard.selectors import study_data_version
from braintrial.dashboard.services import study_report_served
from braintrial.public.models import Release, ReleaseFile, ReleaseItem
from braintrial.public.releases.files import release_files_build
from braintrial.studies.heldout import items_withheld_ids
from braintrial.studies.models import Study


class ReleaseNotReady(Exception):
    """The release cannot be frozen now; the message says why, for the researcher."""


def release_freeze(*, study: Study, user: User) -> Release:
    """Freeze the next release of ``study`` (v1, v2, ...) from the report of its current data.

    Refused while that report is still being computed, or when the data change while the
    release is built (it would not match its report): the researcher tries again shortly.
    Two researchers freezing at once get two numbers, never one number twice (the study row is
    locked for the numbering, and the database holds one release per study and number)."""
    version = study_data_version(study=study)
    served = study_report_served(study=study, version=version)
    report = served["report"]
    if served["state"] != "current" or report is None:
        raise ReleaseNotReady(
            "The report of the current data is still being computed; freeze the release once "
            "the study page shows it up to date."
        )
    try:
        with transaction.atomic():
            return _freeze(study=study, user=user, version=version, report=report)
    except IntegrityError as exc:
        raise ReleaseNotReady("Another release was frozen at the same moment; try again.") from exc


def _freeze(*, study: Study, user: User, version: str, report: StudyReport) -> Release:
    Study.objects.select_for_update().filter(pk=study.pk).first()
    number = (Release.objects.filter(study=study).aggregate(n=Max("number"))["n"] or 0) + 1
    created = timezone.now().replace(microsecond=0)
    built = release_files_build(
        study=study,
        report=report,
        number=number,
        created=created,
        # A release is a public download: what studies.heldout withholds from the public.
        withheld=items_withheld_ids(user=None),
    )
    if study_data_version(study=study) != version:
        raise ReleaseNotReady("New data came in while the release was built; try again.")
    release = Release.objects.create(
        study=study,
        number=number,
        created_at=created,
        created_by=user.get_username(),
        data_version=version,
        report=report,
        n_participants=built.n_participants,
        n_trials=built.n_trials,
        n_items=len(built.items),
        n_scorers=built.n_scorers,
        checksum=ReleaseFile.sha256_of(built.files["SHA256SUMS"]),
    )
    ReleaseItem.objects.bulk_create(
        ReleaseItem(
            release=release,
            item_id=item.item_id,
            content_sha256=item.content_sha256,
            version=item.version,
            texts_public=item.texts_public,
        )
        for item in built.items
    )
    ReleaseFile.objects.bulk_create(
        ReleaseFile(
            release=release, path=path, content=content, sha256=ReleaseFile.sha256_of(content)
        )
        for path, content in built.files.items()
    )
    audit_event_record(
        event="release.freeze",
        instance=release,
        actor=user,
        study_id=study.pk,
        details={
            "release": release.label,
            "checksum": release.checksum,
            "data_version": version,
            "participants": built.n_participants,
            "trials": built.n_trials,
            "items": len(built.items),
            "items_texts_withheld": sum(not item.texts_public for item in built.items),
            "scorers": built.n_scorers,
        },
    )
    return release
