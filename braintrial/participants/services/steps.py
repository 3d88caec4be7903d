"""The non-trial steps: consent, demographics, instructions, debrief, and activity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction

from braintrial.items.models import Item
from braintrial.participants.flags import participant_flags_compute
from braintrial.participants.models import Participant
from braintrial.participants.services.assignment import (
    participants_release_abandoned,
    trials_assign,
)

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


def participant_consent_record(*, participant: Participant, agree: bool, now: datetime) -> None:
    """Agreeing activates the participant and assigns their items; declining ends the flow.

    Both only apply while the participant is still reading the consent page, so a repeated
    POST does nothing. Raises AssignmentError (nothing stored) when the bank is too small.
    """
    if not agree:
        Participant.objects.filter(pk=participant.pk, status=Participant.Status.CONSENT).update(
            status=Participant.Status.DECLINED, declined_at=now, last_seen_at=now
        )
        return
    # Abandoned participants give their items back first, so this one can be assigned them.
    participants_release_abandoned(study=participant.study, now=now)
    with transaction.atomic():
        activated = Participant.objects.filter(
            pk=participant.pk, status=Participant.Status.CONSENT
        ).update(status=Participant.Status.ACTIVE, consented_at=now, last_seen_at=now)
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
        )
    )
