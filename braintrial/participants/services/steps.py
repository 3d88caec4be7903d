"""The non-trial steps: consent, demographics, instructions, debrief, and activity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext

from braintrial.items.models import Item
from braintrial.participants.flags import participant_flags_compute
from braintrial.participants.models import Participant
from braintrial.participants.services.answers import StepNotCurrent
from braintrial.participants.services.assignment import (
    participants_release_abandoned,
    trials_assign,
)
from braintrial.participants.services.withdrawal import withdrawal_key, withdrawal_reference
from braintrial.studies.models import ConsentVersion
from braintrial.studies.selectors import consent_text_for_participants
from braintrial.studies.services import consent_version_get_or_create

IN_PROGRESS = (Participant.Status.CONSENT, Participant.Status.ACTIVE)
TOUCH_EVERY = timedelta(seconds=30)


def participant_touch(*, participant: Participant, now: datetime) -> None:
    """Record activity, which keeps an in-progress participant from being released.

    At most once per TOUCH_EVERY: a POST and the page its redirect leads to make one write, not
    two. A study releases participants after minutes (5 at least), far beyond that.
    """
    seen = participant.last_seen_at
    if seen is not None and timedelta(0) <= now - seen < TOUCH_EVERY:
        return
    Participant.objects.filter(pk=participant.pk, status__in=IN_PROGRESS).update(last_seen_at=now)


def _consent_version(participant: Participant, version_shown: str) -> ConsentVersion:
    """The version of the consent text the participant read: the study's text now, which must
    be the one the page showed (``version_shown``, its first hex digits; empty: not checked)."""
    version = consent_version_get_or_create(
        text=consent_text_for_participants(study=participant.study)
    )
    if version_shown and not version.sha256.startswith(version_shown):
        raise StepNotCurrent(
            gettext(
                "The consent text was changed while you were reading it. Please read the new "
                "text before you answer."
            )
        )
    return version


def participant_consent_record(
    *, participant: Participant, agree: bool, now: datetime, version_shown: str = ""
) -> None:
    """Agreeing activates the participant and assigns their items; declining ends the flow.
    Either way the participant records the consent version they answered (the text as read).

    Both only apply while the participant is still reading the consent page, so a repeated
    POST does nothing. Raises AssignmentError (nothing stored) when the bank is too small, and
    StepNotCurrent when the consent text changed since the page was shown.
    """
    version = _consent_version(participant, version_shown)
    if not agree:
        Participant.objects.filter(pk=participant.pk, status=Participant.Status.CONSENT).update(
            status=Participant.Status.DECLINED,
            declined_at=now,
            last_seen_at=now,
            consent_version=version,
        )
        return
    # Abandoned participants give their items back first, so this one can be assigned them.
    participants_release_abandoned(study=participant.study, now=now)
    with transaction.atomic():
        activated = Participant.objects.filter(
            pk=participant.pk, status=Participant.Status.CONSENT
        ).update(
            status=Participant.Status.ACTIVE,
            consented_at=now,
            last_seen_at=now,
            consent_version=version,
        )
        if activated:
            # Takes the study's assignment lock (see assignment.py) until this block commits.
            trials_assign(participant=participant, now=now)


@dataclass(frozen=True)
class Demographics:
    gender: str
    age: int
    country: str
    position: str
    experience_years: Decimal


def participant_demographics_record(
    *, participant: Participant, demographics: Demographics
) -> None:
    Participant.objects.filter(
        pk=participant.pk, status=Participant.Status.ACTIVE, age__isnull=True
    ).update(
        gender=demographics.gender,
        age=demographics.age,
        country=demographics.country,
        position=demographics.position,
        experience_years=demographics.experience_years,
    )


def participant_instructions_done(*, participant: Participant, now: datetime) -> None:
    Participant.objects.filter(
        pk=participant.pk, status=Participant.Status.ACTIVE, instructions_done_at__isnull=True
    ).update(instructions_done_at=now)


def participant_practice_over(*, participant: Participant, now: datetime) -> None:
    Participant.objects.filter(
        pk=participant.pk, status=Participant.Status.ACTIVE, practice_over_at__isnull=True
    ).update(practice_over_at=now)


def participant_complete(
    *, participant: Participant, outside_help: bool, feedback: str, now: datetime
) -> bool:
    """Store the debrief answers and the participant-level flags, and mark completion.

    Precondition: every trial is answered (the flow only offers the debrief then). Flags are
    facts; whether they exclude is the study's setting. Returns False if already completed.
    """
    trials = list(participant.trials.exclude(kind=Item.Kind.PRACTICE))
    flags = participant_flags_compute(
        catch_correct=[t.correct for t in trials if t.kind == Item.Kind.CATCH],
        moved=[flag for t in trials for flag in (t.confidence_moved, t.expertise_moved)],
        outside_help=outside_help,
    )
    # Shown on the completion page from now on; only its hash is kept (services/withdrawal.py).
    key = withdrawal_key(reference=withdrawal_reference(participant=participant))
    return bool(
        Participant.objects.filter(
            pk=participant.pk, status=Participant.Status.ACTIVE, completed_at__isnull=True
        ).update(
            status=Participant.Status.COMPLETED,
            completed_at=now,
            last_seen_at=now,
            outside_help=outside_help,
            feedback=feedback,
            **flags,
            withdrawal_key=key,
        )
    )
