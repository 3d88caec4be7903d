"""Showing the current step and answering a step's POST, for whatever steps flow.py declares.

Nothing here knows a step by name: what a page shows, which form it posts, what a valid POST
does and where the participant goes next are all read from the step's declaration.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from braintrial.participants.flow import (
    FlowState,
    Step,
    current_step,
    end_page_get,
    step_posted,
    step_progress,
)
from braintrial.participants.models import Participant
from braintrial.participants.services.answers import AnswerConflict, StepNotCurrent
from braintrial.participants.services.assignment import AssignmentError

# Short notes the flow page shows after sending a participant back to where they are: a
# back-button or repeated POST of a page already behind them lands on their current step,
# never on a page with nothing to do. Keyed so that the URL carries no text of ours.
NOTES = {
    "answered": gettext_lazy(
        "That page was already answered; your first answer is kept. You can go on here."
    ),
}


def _to_current_step(participant: Participant, note: str) -> HttpResponse:
    url = reverse("participants:flow", args=[participant.study.slug])
    return redirect(f"{url}?note={note}")


def render_step(
    request: HttpRequest,
    state: FlowState,
    step: Step[Any],
    now: datetime,
    form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    if form is None and step.form is not None:
        form = step.form()
    context = {"study": state.participant.study, "step": step.name, "form": form}
    context["note"] = NOTES.get(request.GET.get("note", ""))
    progress = step_progress(state=state, step=step)
    if progress is not None:
        context["stage"], context["stages"] = progress
    context.update(step.context(state, now))
    return render(request, step.template, context, status=status)


def step_show(request: HttpRequest, *, participant: Participant, now: datetime) -> HttpResponse:
    state = FlowState(participant=participant)
    return render_step(request, state, current_step(state), now)


def render_finished(request: HttpRequest, participant: Participant, *, owner: bool) -> HttpResponse:
    """A recruitment id that has already finished: its end page, and no new session. The
    completion code (and the return link, which may carry it) only for its ``owner``."""
    step = end_page_get(status=participant.status)
    if step is None:  # cannot happen: only a finished participant gets no session token
        raise RuntimeError(f"no end page for status {participant.status!r}")
    context = {"study": participant.study, "again": True, "code_withheld": not owner}
    return render(request, step.template, context)


def _out_of_date(request: HttpRequest, state: FlowState, message: str) -> HttpResponse:
    context = {"study": state.participant.study, "message": message}
    return render(request, "participants/conflict.html", context, status=409)


def step_answer(request: HttpRequest, *, participant: Participant, now: datetime) -> HttpResponse:
    """Answer the step named in the POST. Only the current step is accepted, except where the
    step leaves that to its service (a repeat of an answered trial, which is harmless)."""
    state = FlowState(participant=participant)
    step = step_posted(name=request.POST.get("step", ""))
    if step is None:
        return _out_of_date(request, state, gettext("This page is not part of the study."))
    # Where the service checks the turn, the current step is needed only to show errors.
    if not step.service_checks_turn and step is not current_step(state):
        if step.is_done(state):
            # A repeated or back-button POST of an answered step: keep the first answer.
            return _to_current_step(participant, "answered")
        return _out_of_date(request, state, gettext("This page is not yet due."))
    return _validate(request, state, step, now=now)


def _validate(
    request: HttpRequest, state: FlowState, step: Step[Any], *, now: datetime
) -> HttpResponse:
    if step.form is None:  # cannot happen: step_posted only returns steps that take a POST
        raise RuntimeError(f"step {step.name!r} takes no POST")
    form = step.form(request.POST)
    if form.is_valid():
        return _handle(request, state, step, form, now)
    if step is current_step(state):
        return render_step(request, state, step, now, form=form, status=400)
    # A trial step that is not the current one (a back-button POST, changed) has no page to
    # show the errors on: nothing is stored and the participant goes on where they are.
    return _to_current_step(state.participant, "answered")


def _handle(
    request: HttpRequest, state: FlowState, step: Step[Any], form: forms.Form, now: datetime
) -> HttpResponse:
    study = state.participant.study
    if step.handle is None:  # cannot happen: a step's form comes with its handler
        raise RuntimeError(f"step {step.name!r} takes no POST")
    try:
        step.handle(state.participant, form, now)
    except (AnswerConflict, StepNotCurrent) as exc:
        return _out_of_date(request, state, str(exc))
    except AssignmentError:
        return render(request, "participants/unavailable.html", {"study": study}, status=503)
    return redirect("participants:flow", slug=study.slug)
