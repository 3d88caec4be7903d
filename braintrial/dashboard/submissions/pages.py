"""Rendering of the submission pages, shared by their views (which stay thin)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from braintrial.dashboard.submissions.forms import ApproveForm, RejectForm, SubmissionForm
from scoring import selectors
from scoring.models import ModelSubmission
from scoring.selectors import duration_words
from scoring.services.queue import QueueUnavailable
from scoring.services.submissions import NO_PERMISSION, SUBMIT_PERMISSION, SubmissionDecided


def may_submit(request: HttpRequest) -> bool:
    return bool(request.user.is_staff or request.user.has_perm(SUBMIT_PERMISSION))


def form_render(
    request: HttpRequest, *, form: SubmissionForm, status: int = 200, refusal: str = ""
) -> HttpResponse:
    """The submit form; for an account without the permission, a 403 that says so."""
    if not may_submit(request):
        status, refusal = 403, NO_PERMISSION
    context = {"form": form, "refusal": refusal, "operator": request.user.is_staff}
    return render(request, "dashboard/submissions/form.html", context, status=status)


def reason(exc: Exception) -> str:
    """The refusal as the person reads it: each message of a ValidationError, else its text."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or "Not allowed."


def status_of(exc: Exception) -> int:
    """403 for who may not, 409 for a decision taken already, 503 for the queue down, else 400."""
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, SubmissionDecided):
        return 409
    if isinstance(exc, QueueUnavailable):
        return 503
    return 400


def _place_words(submission: ModelSubmission) -> str:
    progress = selectors.model_submission_queue_place(submission=submission)
    if progress is None:
        return ""
    words = f"run {progress.place} of {progress.queued} in the scoring queue (runs take turns)"
    if progress.seconds_left is not None:
        words += f"; {duration_words(progress.seconds_left)} left"
    return words


def detail_render(
    request: HttpRequest, *, submission: ModelSubmission, status: int = 200, refusal: str = ""
) -> HttpResponse:
    decide = request.user.is_staff and submission.status == ModelSubmission.Status.SUBMITTED
    context = {
        "submission": submission,
        "log": selectors.model_submission_log(submission=submission),
        "place": _place_words(submission),
        "decide": decide,
        "approve_form": ApproveForm(),
        "reject_form": RejectForm(),
        "refusal": refusal,
    }
    return render(request, "dashboard/submissions/detail.html", context, status=status)
