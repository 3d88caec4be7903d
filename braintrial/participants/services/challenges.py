"""Challenges: a participant reports a problem with a test case they answered, after the debrief;
a researcher of the study upholds it (the test case retired, or fixed as a new version) or
rejects it. Every decision is in the audit log; the report can leave out the test cases of the
upheld ones (Study.leave_out_upheld_items)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from braintrial.audit.services import audit_event_record
from braintrial.items.models import Item
from braintrial.items.services.versions import ItemVersionError, item_retire, item_version_create
from braintrial.participants.models import Challenge, Participant, Trial
from braintrial.studies.banks import bank_importable
from braintrial.studies.models import Study
from braintrial.studies.selectors import study_editable

MAX_NOTE_CHARACTERS = 2000


class ChallengeRefused(Exception):
    """A challenge that cannot be stored, with the message for the participant (in the study's
    language) and the HTTP status that says why; nothing was stored."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def challengeable_trials(*, participant: Participant) -> list[Trial]:
    """The participant's answered test trials, in the order shown: what they may challenge."""
    return list(
        participant.trials.filter(kind=Item.Kind.TEST, correct__isnull=False).order_by("position")
    )


def _text_check(*, kind: str, text: str) -> str:
    text = text.strip()
    if "\x00" in text:
        message = _("The text contains a character that cannot be stored.")
        raise ChallengeRefused(message, status=400)
    if len(text) > Challenge.MAX_TEXT:
        raise ChallengeRefused(
            _("Please keep the description under %(n)s characters.") % {"n": Challenge.MAX_TEXT},
            status=400,
        )
    if kind not in Challenge.Kind.values:
        raise ChallengeRefused(_("Please choose what the problem is."), status=400)
    if kind == Challenge.Kind.OTHER and not text:
        raise ChallengeRefused(_("Please describe the problem."), status=400)
    return text


def challenge_submit(
    *, participant: Participant, position: int, kind: str, text: str, now: datetime
) -> Challenge:
    """Store the participant's challenge of the test case they answered at ``position``.

    The participant comes from the participant gatekeeper (their session). Refused (with
    ChallengeRefused) before the debrief is done, for a trial they did not answer or that is no
    test case, for a second challenge of the same test case (the database's unique constraint),
    and for text that is too long or missing where the kind needs it.
    """
    if participant.status != Participant.Status.COMPLETED:
        raise ChallengeRefused(
            _("You can report a problem with a test case once you have finished the study."),
            status=409,
        )
    text = _text_check(kind=kind, text=text)
    trial = next(
        (t for t in challengeable_trials(participant=participant) if t.position == position), None
    )
    if trial is None:
        raise ChallengeRefused(
            _("You did not answer a test case numbered %(n)s in this study.") % {"n": position},
            status=404,
        )
    try:
        with transaction.atomic():
            return Challenge.objects.create(
                participant=participant,
                trial=trial,
                item_id=trial.item_id,
                kind=kind,
                text=text,
                created_at=now,
            )
    except IntegrityError as exc:
        raise ChallengeRefused(
            _("You have already reported a problem with this test case. Thank you."), status=409
        ) from exc


def challenges_of_participant(*, participant: Participant) -> list[Challenge]:
    return list(participant.challenges.order_by("trial__position"))


@dataclass(frozen=True)
class Decision:
    """A researcher's decision on a challenge: ``reject``, ``retire`` or ``new_version`` (with
    the new version's two texts)."""

    verdict: str
    note: str = ""
    original: str = ""
    altered: str = ""


VERDICTS = ("reject", "retire", "new_version")


def _decide_check(*, user: User, study: Study, challenge: Challenge, decision: Decision) -> None:
    if decision.verdict not in VERDICTS:
        raise ItemVersionError(f"The decision must be one of {', '.join(VERDICTS)}.")
    if not study_editable(user=user, study=study):
        raise PermissionDenied("You may read this study but not decide its challenges.")
    changes_bank = decision.verdict != "reject"
    if changes_bank and not bank_importable(user=user, name=study.bank, study=study):
        raise PermissionDenied(
            f"Only the owners of item bank {study.bank!r} may retire or change its test cases."
        )
    if len(decision.note) > MAX_NOTE_CHARACTERS or "\x00" in decision.note:
        raise ItemVersionError(f"The note must be under {MAX_NOTE_CHARACTERS:,} characters.")


def challenge_decide(
    *, user: User, study: Study, challenge: Challenge, decision: Decision, now: datetime
) -> Challenge:
    """Uphold or reject an open ``challenge`` of ``study`` (fetched through
    ``selectors.challenge_get_for_study``). Upholding retires the challenged version or makes a
    new one (items.services.versions); where the version was already replaced or retired, it is
    upheld without a change. Raises PermissionDenied (not the study's editor; not the bank's
    owner for a change of the bank) or ItemVersionError (bad input, a decided challenge)."""
    _decide_check(user=user, study=study, challenge=challenge, decision=decision)
    with transaction.atomic():
        row = Challenge.objects.select_for_update().select_related("item").get(pk=challenge.pk)
        if row.status != Challenge.Status.OPEN:
            raise ItemVersionError(f"This challenge was {row.status} already.")
        item: Item = row.item
        row.action = Challenge.Action.NONE
        if decision.verdict == "reject":
            row.status = Challenge.Status.REJECTED
        elif item.retired_at is not None:
            row.status, row.action = Challenge.Status.UPHELD, Challenge.Action.ALREADY_REPLACED
        elif decision.verdict == "retire":
            item_retire(item=item, actor=user, note=decision.note)
            row.status, row.action = Challenge.Status.UPHELD, Challenge.Action.RETIRED
        else:
            row.new_item = item_version_create(
                item=item,
                original=decision.original,
                altered=decision.altered,
                actor=user,
                note=decision.note,
            )
            row.status, row.action = Challenge.Status.UPHELD, Challenge.Action.NEW_VERSION
        row.decided_at, row.decided_by, row.decision_note = now, user, decision.note.strip()
        row.save()
        audit_event_record(
            event=f"challenge.{row.status}",
            instance=study,
            actor=user,
            study_id=study.pk,
            details={
                "challenge": row.pk,
                "item": item.pk,
                "item_version": item.version,
                "kind": row.kind,
                "action": row.action,
                "new_item": row.new_item_id,
                "note": row.decision_note,
            },
        )
        return row


def challenge_decide_posted(
    *, user: User, study: Study, challenge: Challenge, data: dict, now: datetime
) -> tuple[str, int]:
    """``challenge_decide`` on a valid decision form's data: what was done, in words, and the
    item page to show next (the new version's, if one was made)."""
    done = challenge_decide(
        user=user, study=study, challenge=challenge, decision=Decision(**data), now=now
    )
    return f"Challenge {done.pk} {done.status}.", done.new_item_id or done.item_id
