"""What each step of the flow renders and how its POST is handled (used by views.flow).

Trial pages are rendered from one template that loops over the two versions, so the markup of
version A and version B is the same whatever the original is; only the texts differ.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from braintrial.participants import services
from braintrial.participants.flow import (
    DECLINED,
    EXPIRED,
    STEPS,
    TRIAL_STEPS,
    FlowState,
    Step,
    current_step,
)
from braintrial.participants.forms import ConsentForm, DebriefForm, DemographicsForm, TrialForm
from braintrial.participants.models import Participant, Trial
from braintrial.participants.selectors import participant_trials

TERMINAL: dict[str, Step] = {
    Participant.Status.COMPLETED: next(s for s in STEPS if s.name == "complete"),
    Participant.Status.DECLINED: DECLINED,
    Participant.Status.ABANDONED: EXPIRED,
}


def recruitment_from(data: dict[str, str]) -> services.Recruitment:
    if data.get("PROLIFIC_PID"):
        return services.Recruitment(
            source=Participant.RecruitmentSource.PROLIFIC,
            recruitment_id=data["PROLIFIC_PID"],
            prolific_study_id=data.get("STUDY_ID", ""),
            prolific_session_id=data.get("SESSION_ID", ""),
        )
    if data.get("pid"):
        return services.Recruitment(
            source=Participant.RecruitmentSource.PID, recruitment_id=data["pid"]
        )
    return services.Recruitment()


def state_get(participant: Participant) -> FlowState:
    return FlowState(participant=participant, trials=participant_trials(participant=participant))


def render_finished(request: HttpRequest, participant: Participant) -> HttpResponse:
    """A recruitment id that has already finished: its end page, and no new session."""
    step = TERMINAL[participant.status]
    context = {"study": participant.study, "again": True}
    return render(request, step.template, context)


def _versions(trial: Trial) -> list[dict[str, str]]:
    # The only place that knows which text is the original; the template sees labels and texts.
    first, second = (
        (trial.item.original, trial.item.altered)
        if trial.original_is_a
        else (trial.item.altered, trial.item.original)
    )
    return [{"label": "A", "text": first}, {"label": "B", "text": second}]


def _trial_context(state: FlowState, step: Step, now: datetime) -> dict[str, Any]:
    trials = state.practice_trials if step.name == "practice" else state.main_trials
    trial = state.next_unanswered(trials)
    if trial is None:  # cannot happen: the step is current because one is unanswered
        raise RuntimeError("trial step without an unanswered trial")
    services.trial_show(trial=trial, now=now)
    return {
        "position": trial.position,
        "practice": step.name == "practice",
        "number": trials.index(trial) + 1,
        "total": len(trials),
        "versions": _versions(trial),
    }


def _debrief_context(state: FlowState) -> dict[str, Any]:
    results = [
        {"number": n, "correct": t.correct, "catch": t.kind == "catch"}
        for n, t in enumerate(state.main_trials, start=1)
    ]
    return {"results": results, "n_correct": sum(1 for r in results if r["correct"])}


def render_step(
    request: HttpRequest,
    state: FlowState,
    step: Step,
    now: datetime,
    form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    # Templates get only what they show: no participant, trial or item objects.
    context: dict[str, Any] = {
        "study": state.participant.study,
        "step": step.name,
        "form": form,
    }
    if step.name in TRIAL_STEPS:
        context.update(_trial_context(state, step, now))
    elif step.name == "debrief":
        context.update(_debrief_context(state))
    if form is None:
        context["form"] = FORMS[step.name]() if step.name in FORMS else None
    return render(request, step.template, context, status=status)


def _out_of_date(request: HttpRequest, state: FlowState, message: str) -> HttpResponse:
    context = {"study": state.participant.study, "message": message}
    return render(request, "participants/conflict.html", context, status=409)


def _consent(request: HttpRequest, state: FlowState, form: ConsentForm, now: datetime) -> None:
    agree = form.cleaned_data["consent"] == "agree"
    services.participant_consent_record(participant=state.participant, agree=agree, now=now)


def _demographics(
    request: HttpRequest, state: FlowState, form: DemographicsForm, now: datetime
) -> None:
    services.participant_demographics_record(
        participant=state.participant, demographics=form.demographics()
    )


def _instructions(request: HttpRequest, state: FlowState, form: forms.Form, now: datetime) -> None:
    services.participant_instructions_done(participant=state.participant, now=now)


def _debrief(request: HttpRequest, state: FlowState, form: DebriefForm, now: datetime) -> None:
    services.participant_complete(
        participant=state.participant,
        outside_help=form.cleaned_data["outside_help"] == "yes",
        feedback=form.cleaned_data["feedback"],
        now=now,
    )


def _trial(request: HttpRequest, state: FlowState, form: TrialForm, now: datetime) -> None:
    services.trial_answer_submit(
        participant=state.participant,
        position=form.cleaned_data["position"],
        answer=form.answer(),
        now=now,
    )


FORMS: dict[str, type[forms.Form]] = {
    "consent": ConsentForm,
    "demographics": DemographicsForm,
    "instructions": forms.Form,
    "practice": TrialForm,
    "trials": TrialForm,
    "debrief": DebriefForm,
}
HANDLERS: dict[str, Callable[..., None]] = {
    "consent": _consent,
    "demographics": _demographics,
    "instructions": _instructions,
    "practice": _trial,
    "trials": _trial,
    "debrief": _debrief,
}


def _is_done(name: str, state: FlowState) -> bool:
    return any(s.name == name and s.is_done(state) for s in STEPS)


def handle_post(request: HttpRequest, participant: Participant, now: datetime) -> HttpResponse:
    """Answer the step named in the POST; only the current step (or a repeat of an answered
    trial, which is harmless) is accepted."""
    posted = request.POST.get("step", "")
    state = state_get(participant)
    step = current_step(state)
    if posted not in HANDLERS:
        return _out_of_date(request, state, "This page is not part of the study.")
    if posted != step.name and posted not in TRIAL_STEPS:
        if _is_done(posted, state):
            # A repeated or back-button POST of an answered step: keep the first answer.
            return redirect("participants:flow", slug=participant.study.slug)
        return _out_of_date(request, state, "This page is not yet due.")
    form = FORMS[posted](request.POST)
    if not form.is_valid():
        if posted == step.name:
            return render_step(request, state, step, now, form=form, status=400)
        return render(request, "participants/invalid.html", {"form": form}, status=400)
    try:
        HANDLERS[posted](request, state, form, now)
    except services.AnswerConflict as exc:
        return _out_of_date(request, state, str(exc))
    except services.StepNotCurrent as exc:
        return _out_of_date(request, state, str(exc))
    except services.AssignmentError:
        context = {"study": participant.study}
        return render(request, "participants/unavailable.html", context, status=503)
    study = participant.study
    if posted == "debrief" and study.completion_url:
        return redirect(study.completion_url)
    return redirect("participants:flow", slug=study.slug)
