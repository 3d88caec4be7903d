"""Participant-facing pages: the landing page and one view that serves the current step.

URLs: ``/s/<slug>/`` (landing; GET shows it, POST starts or resumes) and ``/s/<slug>/flow/``
(GET shows the current step, POST answers it). Field names are listed in forms.py.

Status codes: 400 invalid input (form shown again with the errors), 403 unknown session token,
404 unknown study or trial position, 409 a step or trial that is not the current one, or a
different answer to an answered trial. Nothing is stored on any of them. Right and wrong
answers get the same redirect to the flow page.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from braintrial.participants import services
from braintrial.participants import step_views as steps
from braintrial.participants.forms import RecruitmentForm
from braintrial.participants.models import Participant
from braintrial.participants.selectors import participant_get_by_study_token, study_get_open
from braintrial.studies.models import Study

COOKIE_MAX_AGE = 14 * 24 * 3600


def cookie_name(study: Study) -> str:
    return f"bt_{study.slug}"


def _session_response(study: Study, token: str) -> HttpResponse:
    response = redirect("participants:flow", slug=study.slug)
    response.set_cookie(
        cookie_name(study),
        token,
        max_age=COOKIE_MAX_AGE,
        path=f"/s/{study.slug}/",
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def _start(request: HttpRequest, study: Study, form: RecruitmentForm) -> HttpResponse:
    try:
        result = services.participant_start(
            study=study,
            recruitment=form.recruitment(),
            user_agent=request.headers.get("user-agent", ""),
        )
    except services.StudyClosed:
        context = {"study": study, "form": form}
        return render(request, "participants/closed.html", context, status=403)
    if result.token is None:
        return steps.render_finished(request, result.participant)
    return _session_response(study, result.token)


@never_cache
@require_http_methods(["GET", "POST"])
def landing(request: HttpRequest, slug: str) -> HttpResponse:
    study = study_get_open(slug=slug)
    if request.COOKIES.get(cookie_name(study)) and request.method == "GET":
        return redirect("participants:flow", slug=study.slug)
    form = RecruitmentForm(request.GET or request.POST, prolific_mode=study.prolific_mode)
    context = {"study": study, "form": form}
    if not form.is_valid():
        return render(request, "participants/landing.html", context, status=400)
    if request.method == "GET":
        # A closed study still lets its participants resume, so the page says so but keeps Start.
        return render(request, "participants/landing.html", context)
    return _start(request, study, form)


def _participant(request: HttpRequest, slug: str) -> Participant | None:
    # The study comes with the participant, in one query.
    token = request.COOKIES.get(cookie_name(Study(slug=slug)))
    if not token:
        return None
    return participant_get_by_study_token(slug=slug, token=token)


def _forbidden(request: HttpRequest, study: Study) -> HttpResponse:
    response = render(request, "participants/forbidden.html", {"study": study}, status=403)
    # Drop the bad cookie so that the start page can hand out a new session.
    response.delete_cookie(cookie_name(study), path=f"/s/{study.slug}/", samesite="Lax")
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def flow(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        participant = _participant(request, slug)
    except PermissionDenied:
        return _forbidden(request, study_get_open(slug=slug))
    if participant is None:
        study = study_get_open(slug=slug)  # an unknown study is a 404, not the way to a landing
        return HttpResponseRedirect(reverse("participants:landing", args=[study.slug]))
    now = timezone.now()
    services.participant_touch(participant=participant, now=now)
    if request.method == "POST":
        return steps.step_answer(request, participant=participant, now=now)
    return steps.step_show(request, participant=participant, now=now)
