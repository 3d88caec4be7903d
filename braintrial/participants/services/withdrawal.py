"""Withdrawal: a participant's answers and personal data erased, at their own request or by a
researcher acting on one. What remains is a tombstone row (status ``withdrawn``, its public id,
study and arrival time) so that the funnel can count withdrawals and API clients that copied the
row learn that it is gone.

The withdrawal reference lets a participant withdraw after the study, from any browser. It is
derived from the participant's public id with a key made from SECRET_KEY (so the completion
page can show it again on a reload without storing it), and only its SHA-256 is stored: a copy
of the database lets nobody withdraw anyone, and the reference links to nothing outside.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from auditlog.models import LogEntry
from django.contrib.auth.models import User
from django.db import transaction
from django.utils.crypto import salted_hmac

from braintrial.audit.services import audit_event_record
from braintrial.items.models import Item
from braintrial.participants.models import Challenge, Participant, Trial
from braintrial.participants.services.exposure import (
    exposure_counters_add,
    exposure_counters_read,
    study_assignment_lock,
)
from braintrial.participants.services.start import recruitment_key
from braintrial.studies.models import Study

# 12 characters of a 32-letter alphabet without 0/O and 1/I: 60 random bits, easy to copy out.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_TO_ALPHABET = str.maketrans(_B32, _ALPHABET)
REFERENCE_LENGTH = 12
# How long the completion page shows the reference again on a reload. The session cookie lives
# 14 days: on a shared computer the next person would otherwise read it there, and withdraw.
REFERENCE_SHOWN_MINUTES = 30
MAX_REASON_CHARS = 500

# Everything a tombstone keeps blank: answers, demographics, identifiers, hashes, times. What it
# keeps for the study's repeat policy is keyed and per study: the browser mark's hash as it was,
# and the recruitment id's hash (``recruitment_key``) in place of the id.
_ERASED: dict[str, object] = {
    "token_hash": None,
    "recruitment_source": "",
    "recruitment_id": "",
    "prolific_study_id": "",
    "prolific_session_id": "",
    "consented_at": None,
    "declined_at": None,
    "gender": "",
    "age": None,
    "country": "",
    "position": "",
    "experience_years": None,
    "instructions_done_at": None,
    "practice_over_at": None,
    "outside_help": None,
    "feedback": "",
    "completed_at": None,
    "released_at": None,
    "user_agent": "",
    "address_hash": "",
    "repeat_suspected": False,
    "consent_version": None,
    "withdrawal_key": "",
    "flag_failed_catch": False,
    "flag_failed_all_catch": False,
    "flag_no_slider": False,
    "flag_outside_help": False,
}


class NotWithdrawable(Exception):
    """No participant of the study matches, or the one found has withdrawn already."""


def withdrawal_reference(*, participant: Participant) -> str:
    """The participant's withdrawal reference, e.g. ``K7QM-2XWD-9HFA``."""
    mac = salted_hmac(
        "braintrial.participants.withdrawal", str(participant.public_id), algorithm="sha256"
    ).digest()
    raw = base64.b32encode(mac).decode("ascii").translate(_TO_ALPHABET)[:REFERENCE_LENGTH]
    return "-".join(raw[i : i + 4] for i in range(0, REFERENCE_LENGTH, 4))


def session_may_withdraw(*, participant: Participant) -> bool:
    """Whether the browser's session alone may withdraw the participant: not once they have
    completed. The completion page showed their reference, and the session cookie lives on for
    14 days, so on a shared computer the next person could otherwise withdraw them."""
    return participant.status not in (
        Participant.Status.COMPLETED,
        Participant.Status.WITHDRAWN,
    )


def withdrawal_reference_visible(*, participant: Participant, now: datetime) -> bool:
    """Whether the completion page may show the reference: for REFERENCE_SHOWN_MINUTES after
    completion, and only once completion has stored its hash (participants who completed before
    references existed have none that would be found)."""
    if participant.completed_at is None or not participant.withdrawal_key:
        return False
    return now - participant.completed_at <= timedelta(minutes=REFERENCE_SHOWN_MINUTES)


def withdrawal_key(*, reference: str) -> str:
    """SHA-256 of a reference as typed: case, spaces and dashes do not matter."""
    normalised = re.sub(r"[^A-Z0-9]", "", reference.upper())
    return hashlib.sha256(normalised.encode("ascii", "ignore")).hexdigest()


@dataclass(frozen=True)
class Withdrawal:
    participant_id: int
    public_id: str
    status_before: str
    trials_erased: int


def _find(study: Study, *, recruitment_id: str, reference: str, public_id: str) -> Participant:
    people = Participant.objects.filter(study=study)
    if recruitment_id:
        people = people.filter(recruitment_id=recruitment_id)
    elif reference:
        # Keys are hashes of 12-character references: a blank one matches nobody.
        people = people.filter(withdrawal_key=withdrawal_key(reference=reference))
    elif public_id:
        people = people.filter(public_id=public_id)
    else:
        people = people.none()
    found = people.exclude(status=Participant.Status.WITHDRAWN).first()
    if found is None:
        raise NotWithdrawable("No participant of this study matches, or they have withdrawn.")
    return found


def participant_withdraw(
    *,
    study: Study,
    now: datetime,
    participant: Participant | None = None,
    recruitment_id: str = "",
    reference: str = "",
    public_id: str = "",
    requested_by: Literal["participant", "researcher"],
    actor: User | None = None,
    reason: str = "",
) -> Withdrawal:
    """Erase one participant's trials and personal data, leaving the tombstone, and record it.

    The participant is ``participant`` (their own session) or the one of ``study`` found by one
    of ``recruitment_id``, ``reference`` (withdrawal reference) or ``public_id``. ``actor``: the
    researcher acting on a request (None for a participant, or the command's operator). Under the
    study's assignment lock, in one transaction with the exposure counters: the items the
    participant held count no more (unless a release already took them off). Raises
    NotWithdrawable when nobody matches or the participant has withdrawn already.
    """
    with transaction.atomic():
        study_assignment_lock(study=study)
        if participant is None:
            participant = _find(
                study, recruitment_id=recruitment_id, reference=reference, public_id=public_id
            )
        row = (
            Participant.objects.select_for_update()
            .filter(pk=participant.pk, study=study)
            .exclude(status=Participant.Status.WITHDRAWN)
            .first()
        )
        if row is None:
            raise NotWithdrawable("This participant has withdrawn already.")
        trials = Trial.objects.filter(participant=row)
        held: Counter[int] = Counter()
        if row.released_at is None:
            held = Counter(trials.filter(kind=Item.Kind.TEST).values_list("item_id", flat=True))
            # Counters missing until now are created from the trials, which still count them.
            exposure_counters_read(study=study, item_ids=held)
        # Challenges first: they point at the trials, and their free text may name the person.
        challenges_erased, _ = Challenge.objects.filter(participant=row).delete()
        erased, _ = trials.delete()
        Participant.objects.filter(pk=row.pk).update(
            **_ERASED,
            recruitment_key=recruitment_key(study=study, recruitment_id=row.recruitment_id)
            if row.recruitment_id
            else "",
            status=Participant.Status.WITHDRAWN,
            withdrawn_at=now,
            last_seen_at=now,
        )
        if held:
            exposure_counters_add(study=study, held=dict(held), sign=-1)
        withdrawal = Withdrawal(
            participant_id=row.pk,
            public_id=str(row.public_id),
            status_before=row.status,
            trials_erased=erased,
        )
        # The entry names the participant by public id only: no recruitment id or answer.
        audit_event_record(
            event="participant.withdraw",
            instance=row,
            actor=actor,
            study_id=study.pk,
            action=LogEntry.Action.DELETE,
            by_participant=requested_by == "participant",
            details={
                "participant": withdrawal.public_id,
                "status_before": withdrawal.status_before,
                "trials_erased": withdrawal.trials_erased,
                "challenges_erased": challenges_erased,
                "requested_by": requested_by,
                "reason": reason[:MAX_REASON_CHARS],
            },
        )
    return withdrawal
