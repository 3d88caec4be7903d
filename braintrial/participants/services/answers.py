"""Showing a trial and recording its answer, exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext

from braintrial.participants.flags import trial_flags_compute
from braintrial.participants.models import Participant, Trial
from braintrial.participants.selectors import (
    participant_trials,
    trial_at_position,
    trial_next_unanswered,
)


class StepNotCurrent(Exception):
    """The posted trial is not the one the participant is on: nothing is stored."""


class AnswerConflict(Exception):
    """A different answer to a trial that already has one: the first answer stands."""


@dataclass(frozen=True)
class TrialAnswer:
    choice: str  # "A" or "B"
    confidence: int  # 1..100
    expertise: int  # 1..100
    recognised: bool
    rt_client_ms: int | None  # None when the browser ran no JavaScript
    blur_count: int
    confidence_moved: bool | None
    expertise_moved: bool | None
    # Asked on the trial only where the study asks per trial; None where it was not asked.
    outside_help: bool | None = None

    def same_as(self, trial: Trial) -> bool:
        """Whether the participant's own answer equals the stored one (client measures aside)."""
        return (trial.choice, trial.confidence, trial.expertise, trial.recognised) == (
            self.choice,
            self.confidence,
            self.expertise,
            self.recognised,
        )


def trial_show(*, trial: Trial, now: datetime) -> Trial:
    """Set shown_at on first display only, so a reload does not restart the clock."""
    if trial.shown_at is None:
        # The condition is on the row itself: of two first displays, the second finds it set.
        if Trial.objects.filter(pk=trial.pk, shown_at__isnull=True).update(shown_at=now):
            trial.shown_at = now
        else:  # a parallel request showed it first: its time stands
            trial.refresh_from_db(fields=["shown_at"])
    return trial


def _check_repeat(trial: Trial, answer: TrialAnswer) -> None:
    if not answer.same_as(trial):
        raise AnswerConflict(
            gettext(
                "This trial already has an answer and it cannot be changed. Your first answer "
                "is kept."
            )
        )


def trial_answer_submit(
    *, participant: Participant, position: int, answer: TrialAnswer, now: datetime
) -> bool:
    """Record the answer to the trial at ``position``; True if stored, False for a repeat.

    A repeat of the stored answer is accepted and changes nothing; a different answer raises
    AnswerConflict; a trial that is not the current one raises StepNotCurrent; an unknown
    position raises Http404. Correctness is decided here, never by the browser.
    """
    # One read of all the trials: the posted one and the current one come from the same
    # snapshot, so a double click's twin that was stored in between reads as a repeat.
    trials = participant_trials(participant=participant)
    trial = trial_at_position(trials=trials, position=position)
    if trial.correct is not None:
        _check_repeat(trial, answer)
        return False
    current = trial_next_unanswered(trials=trials)
    if (
        participant.status != Participant.Status.ACTIVE
        or participant.instructions_done_at is None
        or current is None
        or current.pk != trial.pk
    ):
        raise StepNotCurrent(gettext("This is not the trial you are on."))
    if trial.shown_at is None:
        # The server clock starts when the page is first shown; an answer to an unseen trial
        # has no response time and is not one a participant gave.
        raise StepNotCurrent(gettext("Please open the trial page before answering it."))
    rt_server_ms = max(0, int((now - trial.shown_at).total_seconds() * 1000))
    # Every condition is on the trial row itself or, through EXISTS, on its participant's row;
    # none on a second scan of the trials (which a filter on participant__status would add as
    # "id IN (SELECT ... JOIN ...)"). Where a concurrent request changed the row first, Postgres
    # re-checks the conditions on the changed row only: so of two different answers sent at the
    # same moment, the second finds the trial answered and is refused, and the first stands.
    active = Participant.objects.filter(
        pk=OuterRef("participant_id"), status=Participant.Status.ACTIVE
    )
    stored = Trial.objects.filter(Exists(active), pk=trial.pk, correct__isnull=True).update(
        choice=answer.choice,
        correct=(answer.choice == Trial.Choice.A) == trial.original_is_a,
        confidence=answer.confidence,
        expertise=answer.expertise,
        recognised=answer.recognised,
        answered_at=now,
        rt_server_ms=rt_server_ms,
        rt_client_ms=answer.rt_client_ms,
        blur_count=answer.blur_count,
        confidence_moved=answer.confidence_moved,
        expertise_moved=answer.expertise_moved,
        outside_help=answer.outside_help,
        **trial_flags_compute(
            recognised=answer.recognised,
            rt_server_ms=rt_server_ms,
            min_rt_ms=participant.study.min_rt_ms,
            outside_help=answer.outside_help,
        ),
    )
    if stored:
        return True
    # Lost a race with an identical (double-click) or different submission of the same trial.
    trial.refresh_from_db()
    if trial.correct is None:
        raise StepNotCurrent(gettext("This session is no longer active."))
    _check_repeat(trial, answer)
    return False
