"""The participant flow, declared once and in order.

Every request finds the participant's current step as the first step that is not done, so a
reload resumes where the participant left off and a step that is done cannot be answered again.
Declined and abandoned participants end on a terminal page whatever their progress.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from braintrial.items.models import Item
from braintrial.participants.models import Participant, Trial
from braintrial.participants.selectors import trial_next_unanswered


@dataclass(frozen=True)
class FlowState:
    participant: Participant
    trials: list[Trial]

    @property
    def practice_trials(self) -> list[Trial]:
        return [t for t in self.trials if t.kind == Item.Kind.PRACTICE]

    @property
    def main_trials(self) -> list[Trial]:
        """Test and catch trials, in the order shown (the progress bar counts these)."""
        return [t for t in self.trials if t.kind != Item.Kind.PRACTICE]

    def next_unanswered(self, trials: list[Trial]) -> Trial | None:
        return trial_next_unanswered(trials=trials)


@dataclass(frozen=True)
class Step:
    name: str
    template: str
    is_done: Callable[[FlowState], bool]


STEPS: tuple[Step, ...] = (
    Step("consent", "participants/consent.html", lambda s: s.participant.consented_at is not None),
    Step(
        "demographics",
        "participants/demographics.html",
        lambda s: s.participant.age is not None,
    ),
    Step(
        "instructions",
        "participants/instructions.html",
        lambda s: s.participant.instructions_done_at is not None,
    ),
    Step(
        "practice",
        "participants/trial.html",
        lambda s: s.next_unanswered(s.practice_trials) is None,
    ),
    Step("trials", "participants/trial.html", lambda s: s.next_unanswered(s.main_trials) is None),
    Step("debrief", "participants/debrief.html", lambda s: s.participant.completed_at is not None),
    Step("complete", "participants/complete.html", lambda s: False),
)
DECLINED = Step("declined", "participants/declined.html", lambda s: False)
EXPIRED = Step("expired", "participants/expired.html", lambda s: False)
TRIAL_STEPS = frozenset({"practice", "trials"})


def current_step(state: FlowState) -> Step:
    status = state.participant.status
    if status == Participant.Status.DECLINED:
        return DECLINED
    if status == Participant.Status.ABANDONED:
        return EXPIRED
    return next(step for step in STEPS if not step.is_done(state))


def step_by_name(name: str) -> Step | None:
    return next((step for step in STEPS if step.name == name), None)
