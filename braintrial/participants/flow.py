"""The participant flow, declared once and in order.

Each step is one ``Step``: its page, when it counts as done, its form, what a valid POST does
(one service call) and what its page shows. Adding a step is adding one entry to ``STEPS``; its
page posts ``step`` = its name (templates take the name from the context, never spell it).

Every request finds the participant's current step as the first step that is not done, so a
reload resumes where the participant left off and a step that is done cannot be answered again.
A participant whose status has an end page (completed, declined, expired) is on that page
whatever their progress.

Imports go one way: views -> step_views -> flow -> services -> selectors -> models.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property, partial
from typing import Any, Generic, TypeVar

from django import forms

from braintrial.items.models import Item
from braintrial.participants import pages
from braintrial.participants.forms import ConsentForm, DebriefForm, DemographicsForm, TrialForm
from braintrial.participants.models import Participant, Trial
from braintrial.participants.selectors import (
    participant_trials,
    trial_next_unanswered,
)
from braintrial.participants.services.answers import trial_answer_submit
from braintrial.participants.services.steps import (
    participant_complete,
    participant_consent_record,
    participant_demographics_record,
    participant_instructions_done,
    participant_practice_over,
)

F = TypeVar("F", bound=forms.Form)
Context = dict[str, Any]


@dataclass(frozen=True)
class FlowState:
    """What decides the current step: the participant and all their trials in position order.

    It belongs to the flow, not to the services: services load what they need themselves. The
    trials are read on first use: the steps before the practice, and a trial's POST (whose
    service reads them itself), are decided from the participant alone.
    """

    participant: Participant

    @cached_property
    def trials(self) -> list[Trial]:
        return participant_trials(participant=self.participant)

    @property
    def practice_trials(self) -> list[Trial]:
        return [t for t in self.trials if t.kind == Item.Kind.PRACTICE]

    @property
    def main_trials(self) -> list[Trial]:
        """Test and catch trials, in the order shown (the progress bar counts these)."""
        return [t for t in self.trials if t.kind != Item.Kind.PRACTICE]


def _shows_nothing_more(state: FlowState, now: datetime) -> Context:
    return {}


def _never_done(state: FlowState) -> bool:
    return False


@dataclass(frozen=True)
class Step(Generic[F]):
    """One page of the flow and everything about it.

    ``form`` and ``handle`` come together: a step without a form takes no POST (its page is an
    end page). ``handle`` gets a valid form and calls one service; the service's own guard makes
    a repeat harmless. ``context`` is what the template shows besides ``study``, ``step`` (the
    name) and ``form``: never participant, trial or item objects.
    """

    name: str
    template: str
    is_done: Callable[[FlowState], bool]
    form: type[F] | None = None
    handle: Callable[[Participant, F, datetime], None] | None = None
    context: Callable[[FlowState, datetime], Context] = _shows_nothing_more
    # The end page of participants with this status: the current step whatever the progress,
    # and what a finished recruitment id is shown instead of a new session.
    end_page_for: str | None = None
    # A POST is handled even when the step is not the current one: the service decides whether
    # it is in turn (a repeat of an answered trial is harmless, a different answer a conflict).
    service_checks_turn: bool = False

    def __post_init__(self) -> None:
        if (self.form is None) != (self.handle is None):
            raise ValueError(f"step {self.name!r}: a form needs a handler and a handler a form")


# What a valid POST of each step does: one service call.


def _consent(participant: Participant, form: ConsentForm, now: datetime) -> None:
    agree = form.cleaned_data["consent"] == "agree"
    participant_consent_record(
        participant=participant, agree=agree, now=now, version_shown=form.cleaned_data["version"]
    )


def _demographics(participant: Participant, form: DemographicsForm, now: datetime) -> None:
    participant_demographics_record(participant=participant, demographics=form.demographics())


def _instructions(participant: Participant, form: forms.Form, now: datetime) -> None:
    participant_instructions_done(participant=participant, now=now)


def _practice_over(participant: Participant, form: forms.Form, now: datetime) -> None:
    participant_practice_over(participant=participant, now=now)


def _trial_answer(participant: Participant, form: TrialForm, now: datetime) -> None:
    trial_answer_submit(
        participant=participant,
        position=form.cleaned_data["position"],
        answer=form.answer(),
        now=now,
    )


def _debrief(participant: Participant, form: DebriefForm, now: datetime) -> None:
    participant_complete(
        participant=participant,
        outside_help=form.cleaned_data["outside_help"] == "yes",
        feedback=form.cleaned_data["feedback"],
        now=now,
    )


def trial_step(name: str, *, covers: Callable[[FlowState], list[Trial]]) -> Step[TrialForm]:
    """A step that shows the trials ``covers`` picks, one page each, first unanswered first.

    All trial steps share the page, the form and the answer service; the service, which knows
    the trial the participant is on, decides whether a POST is in turn.
    """
    return Step(
        name=name,
        template="participants/trial.html",
        is_done=lambda state: trial_next_unanswered(trials=covers(state)) is None,
        form=TrialForm,
        handle=_trial_answer,
        context=partial(pages.trial_context, covers=covers),
        service_checks_turn=True,
    )


STEPS: tuple[Step[Any], ...] = (
    Step(
        name="consent",
        template="participants/consent.html",
        is_done=lambda state: state.participant.consented_at is not None,
        form=ConsentForm,
        handle=_consent,
        context=pages.consent_context,
    ),
    Step(
        name="demographics",
        template="participants/demographics.html",
        is_done=lambda state: state.participant.age is not None,
        form=DemographicsForm,
        handle=_demographics,
    ),
    Step(
        name="instructions",
        template="participants/instructions.html",
        is_done=lambda state: state.participant.instructions_done_at is not None,
        form=forms.Form,
        handle=_instructions,
    ),
    trial_step("practice", covers=lambda state: state.practice_trials),
    Step(
        name="practice_over",
        template="participants/practice_over.html",
        # Without a practice there is nothing to be over: the trials follow the instructions.
        # Before consent there are no trials yet, and the step is not done.
        is_done=lambda state: (
            state.participant.practice_over_at is not None
            or (state.participant.consented_at is not None and not state.practice_trials)
        ),
        form=forms.Form,
        handle=_practice_over,
        context=pages.practice_over_context,
    ),
    trial_step("trials", covers=lambda state: state.main_trials),
    Step(
        name="debrief",
        template="participants/debrief.html",
        is_done=lambda state: state.participant.completed_at is not None,
        form=DebriefForm,
        handle=_debrief,
    ),
    Step(
        name="complete",
        template="participants/complete.html",
        is_done=_never_done,
        end_page_for=Participant.Status.COMPLETED,
        context=pages.results_context,
    ),
)
# End pages off the sequence: a participant reaches them by declining or by being released.
DETOURS: tuple[Step[Any], ...] = (
    Step(
        name="declined",
        template="participants/declined.html",
        is_done=_never_done,
        end_page_for=Participant.Status.DECLINED,
    ),
    Step(
        name="expired",
        template="participants/expired.html",
        is_done=_never_done,
        end_page_for=Participant.Status.ABANDONED,
    ),
    Step(
        name="withdrawn",
        template="participants/withdrawn.html",
        is_done=_never_done,
        end_page_for=Participant.Status.WITHDRAWN,
    ),
)


# The stages a participant is told about ("Step 2 of 6"): a page belongs to the stage named
# here, and the practice stage exists only where the study has a practice trial.
STAGES: dict[str, str] = {
    "consent": "consent",
    "demographics": "demographics",
    "instructions": "instructions",
    "practice": "practice",
    "practice_over": "practice",
    "trials": "trials",
    "debrief": "debrief",
}


def step_progress(*, state: FlowState, step: Step[Any]) -> tuple[int, int] | None:
    """(stage number, number of stages) of the page ``step``; None for end pages. Read from the
    study's settings, not the trials, so that the pages before the trials need no query."""
    stage = STAGES.get(step.name)
    if stage is None:
        return None
    practice = state.participant.study.practice_enabled
    stages = [s for s in dict.fromkeys(STAGES.values()) if practice or s != "practice"]
    if stage not in stages:  # a practice trial of a study that has since turned it off
        stages.insert(stages.index("trials"), stage)
    return stages.index(stage) + 1, len(stages)


def end_page_get(*, status: str) -> Step[Any] | None:
    """The end page of participants with ``status``; None while they are in progress."""
    return next((s for s in STEPS + DETOURS if s.end_page_for == status), None)


def current_step(state: FlowState) -> Step[Any]:
    end_page = end_page_get(status=state.participant.status)
    if end_page is not None:
        return end_page
    return next(step for step in STEPS if not step.is_done(state))


def step_posted(*, name: str) -> Step[Any] | None:
    """The step a POST names, if it is one that takes a POST."""
    return next((s for s in STEPS if s.name == name and s.form is not None), None)
