"""Participant-facing pages: the landing page and one view that serves the current step.

URLs: ``/s/<slug>/`` (landing; GET shows it, POST starts or resumes) and ``/s/<slug>/flow/``
(GET shows the current step, POST answers it). Field names are listed in forms.py.

Status codes: 400 invalid input (form shown again with the errors), 403 unknown session token,
a closed study or a browser that already took part, 404 unknown study or trial position, 409 a
step or trial that is not the current one, a different answer to an answered trial, or a
recruitment id whose session is in progress elsewhere, 429 too many new sessions from one
client address, 503 an open study whose bank cannot serve a participant yet
(studies.readiness; the landing page says so before anyone starts). Nothing is stored on any
of them, and each page says what to do next. Right and wrong answers get the same redirect to
the flow page.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from braintrial.items.selectors import item_topics
from braintrial.net import client_address
from braintrial.participants import step_views as steps
from braintrial.participants.forms import ChallengeForm, RecruitmentForm, WithdrawalForm
from braintrial.participants.models import Participant
from braintrial.participants.selectors import (
    participant_get_by_study_token,
    privacy_notice_facts,
    study_get_open,
)
from braintrial.participants.services.challenges import (
    ChallengeRefused,
    challenge_submit,
    challengeable_trials,
    challenges_of_participant,
)
from braintrial.participants.services.start import (
    AlreadyTaken,
    BrowserBusy,
    SessionElsewhere,
    StartRefused,
    StudyClosed,
    StudyNotReady,
    TooManyStarts,
    Visitor,
    participant_start,
    participant_start_resumes,
)
from braintrial.participants.services.steps import participant_touch
from braintrial.participants.services.withdrawal import (
    NotWithdrawable,
    participant_withdraw,
    session_may_withdraw,
)
from braintrial.studies.models import Study
from braintrial.studies.readiness import study_readiness

COOKIE_MAX_AGE = 14 * 24 * 3600
# The browser mark: one random value per browser, issued by the server in a signed cookie and
# kept a year, for every study's landing page. A value the client made up (unsigned, or signed
# with another key) is replaced by a new one.
MARK_COOKIE = "bt_mark"
MARK_MAX_AGE = 365 * 24 * 3600
MARK_SALT = "braintrial.participants.mark"
# Why a start gave no session: the page that says what to do next, and its status.
REFUSALS: dict[type[StartRefused], tuple[str, int]] = {
    StudyClosed: ("participants/closed.html", 403),
    StudyNotReady: ("participants/not_ready.html", 503),
    SessionElsewhere: ("participants/elsewhere.html", 409),
    AlreadyTaken: ("participants/taken.html", 403),
    BrowserBusy: ("participants/browser_busy.html", 409),
    TooManyStarts: ("participants/busy.html", 429),
}


def cookie_name(study: Study) -> str:
    return f"bt_{study.slug}"


def _set_cookie(response: HttpResponse, name: str, value: str, max_age: int, path: str) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def _visitor(request: HttpRequest) -> Visitor:
    mark = request.get_signed_cookie(MARK_COOKIE, default="", salt=MARK_SALT)
    if not mark:
        mark = secrets.token_urlsafe(24)
    return Visitor(
        browser_mark=mark,
        address=client_address(request),
        user_agent=request.headers.get("user-agent", ""),
    )


def _marked(response: HttpResponse, visitor: Visitor) -> HttpResponse:
    """Set (or renew) the browser mark. The landing page sets it already, so that two Start
    clicks sent at once carry the same mark and the second resumes the first."""
    response.set_signed_cookie(
        MARK_COOKIE,
        visitor.browser_mark,
        salt=MARK_SALT,
        max_age=MARK_MAX_AGE,
        path="/s/",
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def _session_response(study: Study, token: str, visitor: Visitor) -> HttpResponse:
    response = redirect("participants:flow", slug=study.slug)
    _set_cookie(response, cookie_name(study), token, COOKIE_MAX_AGE, f"/s/{study.slug}/")
    return _marked(response, visitor)


def _refused(request: HttpRequest, study: Study, exc: StartRefused) -> HttpResponse:
    template, status = REFUSALS[type(exc)]
    response = render(request, template, {"study": study}, status=status)
    if status in (429, 503):
        response["Retry-After"] = "3600"
    return response


def _start(request: HttpRequest, study: Study, form: RecruitmentForm) -> HttpResponse:
    if _owned_session(request, study) is not None:  # Start pressed again in the same browser
        return redirect("participants:flow", slug=study.slug)
    visitor = _visitor(request)
    try:
        result = participant_start(
            study=study, recruitment=form.recruitment(), visitor=visitor, now=timezone.now()
        )
    except StartRefused as exc:
        return _refused(request, study, exc)
    if result.token is None:
        return steps.render_finished(request, result.participant, owner=result.owner)
    return _session_response(study, result.token, visitor)


@never_cache
@require_http_methods(["GET", "POST"])
def landing(request: HttpRequest, slug: str) -> HttpResponse:
    study = study_get_open(slug=slug)
    with translation.override(study.language):
        return _landing(request, study)


def _landing(request: HttpRequest, study: Study) -> HttpResponse:
    if request.COOKIES.get(cookie_name(study)) and request.method == "GET":
        return redirect("participants:flow", slug=study.slug)
    form = RecruitmentForm(request.GET or request.POST, prolific_mode=study.prolific_mode)
    context = {"study": study, "form": form}
    if not form.is_valid():
        return render(request, "participants/landing.html", context, status=400)
    if request.method == "GET":
        # A closed study admits no one new: Start stays only for a visitor it would resume.
        # A study that cannot serve a participant says so here, before anyone consents.
        visitor = _visitor(request)
        context["ready"] = study_readiness(study=study).can_open
        context["resumes"] = not study.is_open and participant_start_resumes(
            study=study, recruitment=form.recruitment(), visitor=visitor
        )
        return _marked(render(request, "participants/landing.html", context), visitor)
    return _start(request, study, form)


def _participant(request: HttpRequest, slug: str) -> Participant | None:
    # The study comes with the participant, in one query.
    token = request.COOKIES.get(cookie_name(Study(slug=slug)))
    if not token:
        return None
    return participant_get_by_study_token(slug=slug, token=token)


def _owned_session(request: HttpRequest, study: Study) -> Participant | None:
    try:
        return _participant(request, study.slug)
    except PermissionDenied:
        return None


def _forbidden(request: HttpRequest, study: Study) -> HttpResponse:
    response = render(request, "participants/forbidden.html", {"study": study}, status=403)
    # Drop the bad cookie so that the start page can hand out a new session.
    response.delete_cookie(cookie_name(study), path=f"/s/{study.slug}/", samesite="Lax")
    return response


def _participant_or_refusal(request: HttpRequest, slug: str) -> Participant | HttpResponse:
    """This browser's participant of the study, else what the browser gets instead: 403 (in
    the study's language) for a session that is not this study's, the landing page for none."""
    try:
        participant = _participant(request, slug)
    except PermissionDenied:
        study = study_get_open(slug=slug)
        with translation.override(study.language):
            return _forbidden(request, study)
    if participant is None:
        study = study_get_open(slug=slug)  # an unknown study is a 404, not the way to a landing
        return HttpResponseRedirect(reverse("participants:landing", args=[study.slug]))
    return participant


@never_cache
@require_http_methods(["GET", "POST"])
def flow(request: HttpRequest, slug: str) -> HttpResponse:
    participant = _participant_or_refusal(request, slug)
    if isinstance(participant, HttpResponse):
        return participant
    with translation.override(participant.study.language):
        return _step(request, participant)


def _step(request: HttpRequest, participant: Participant) -> HttpResponse:
    now = timezone.now()
    participant_touch(participant=participant, now=now)
    if request.method == "POST":
        return steps.step_answer(request, participant=participant, now=now)
    return steps.step_show(request, participant=participant, now=now)


def _withdrawal_page(
    request: HttpRequest, study: Study, form: WithdrawalForm, status: int = 200
) -> HttpResponse:
    session = _owned_session(request, study)
    context = {
        "study": study,
        "form": form,
        "has_session": session is not None and session_may_withdraw(participant=session),
    }
    return render(request, "participants/withdraw.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    """Withdraw from the study: this browser's session while the study is in progress, or by
    the withdrawal reference (the only way once completed). 400 for a reference that matches
    nobody (nothing is changed); the answers of a withdrawal are erased at once and the page
    says so. In the study's language."""
    study = study_get_open(slug=slug)
    with translation.override(study.language):
        return _withdraw(request, study)


def _withdraw(request: HttpRequest, study: Study) -> HttpResponse:
    form = WithdrawalForm(request.POST or None)
    if request.method == "GET" or not form.is_valid() or not _withdrawn(request, study, form):
        status = 200 if request.method == "GET" else 400
        return _withdrawal_page(request, study, form if form.is_bound else WithdrawalForm(), status)
    response = render(request, "participants/withdrawn.html", {"study": study})
    response.delete_cookie(cookie_name(study), path=f"/s/{study.slug}/", samesite="Lax")
    return response


def _withdrawn(request: HttpRequest, study: Study, form: WithdrawalForm) -> bool:
    """Withdraw as the valid ``form`` says; False with the form's error when nobody matches."""
    by_session = form.cleaned_data["how"] == "session"
    session = _owned_session(request, study) if by_session else None
    if by_session and session is None:
        form.add_error(None, _("This browser has no session of this study. Use your reference."))
        return False
    if session is not None and not session_may_withdraw(participant=session):
        form.add_error(
            None,
            _(
                "You have completed the study: to withdraw, type the withdrawal reference "
                "from your completion page."
            ),
        )
        return False
    try:
        participant_withdraw(
            study=study,
            now=timezone.now(),
            participant=session,
            reference="" if by_session else form.cleaned_data["reference"],
            requested_by="participant",
        )
    except NotWithdrawable:
        form.add_error("reference", _("No participation in this study has this reference."))
        return False
    return True


@require_GET
def privacy(request: HttpRequest, slug: str) -> HttpResponse:
    """The privacy notice, written from the study's settings (participants.selectors), in the
    study's language."""
    study = study_get_open(slug=slug)
    notice = privacy_notice_facts(study=study)
    with translation.override(study.language):
        return render(request, "participants/privacy.html", {"study": study, "notice": notice})


@never_cache
@require_http_methods(["GET", "POST"])
def challenge(request: HttpRequest, slug: str) -> HttpResponse:
    """Report a problem with a test case after the debrief, by this browser's participant only,
    in the study's language. 400 for a bad form, 404 for a test case they did not answer, 409
    before the debrief or for a second report of one; nothing is stored on any of them."""
    participant = _participant_or_refusal(request, slug)
    if isinstance(participant, HttpResponse):
        return participant
    with translation.override(participant.study.language):
        return _challenge(request, participant)


def _challenge(request: HttpRequest, participant: Participant) -> HttpResponse:
    form = ChallengeForm(request.POST or None)
    status, stored = 200, False
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                challenge_submit(participant=participant, now=timezone.now(), **form.cleaned_data)
                status, stored, form = 200, True, ChallengeForm()
            except ChallengeRefused as exc:
                form.add_error(None, exc.message)
                status = exc.status
    elif participant.status != Participant.Status.COMPLETED:
        status = 409
    return render(
        request,
        "participants/challenge.html",
        _challenge_context(participant, form=form, stored=stored),
        status=status,
    )


def _challenge_context(participant: Participant, *, form: ChallengeForm, stored: bool) -> dict:
    trials = challengeable_trials(participant=participant)
    reported = {c.trial_id: c for c in challenges_of_participant(participant=participant)}
    topics = item_topics(item_ids=[t.item_id for t in trials])
    numbers = {
        t.pk: n
        for n, t in enumerate(
            participant.trials.exclude(kind="practice").order_by("position"), start=1
        )
    }
    return {
        "study": participant.study,
        "form": form,
        "stored": stored,
        "finished": participant.status == Participant.Status.COMPLETED,
        "trials": [
            {
                "position": t.position,
                "number": numbers.get(t.pk, t.position),
                "topic": topics.get(t.item_id),
                "reported": reported.get(t.pk) is not None,
            }
            for t in trials
        ],
    }
