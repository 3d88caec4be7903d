"""Model submissions: the submit form, the submitter's list, one submission's page (through the
gatekeeper scoring.selectors.model_submission_get_for_user), and the operator's decisions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from braintrial.dashboard.submissions import pages
from braintrial.dashboard.submissions.forms import ApproveForm, RejectForm, SubmissionForm
from scoring import selectors
from scoring.services import submissions as services
from scoring.services.queue import QueueUnavailable


@require_GET
@login_required
def submission_list(request: HttpRequest) -> HttpResponse:
    context = {
        "submissions": selectors.model_submissions_for_user(user=request.user),
        "may_submit": pages.may_submit(request),
    }
    return render(request, "dashboard/submissions/list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def submission_create(request: HttpRequest) -> HttpResponse:
    form = SubmissionForm(request.POST or None)
    if request.method == "GET" or not pages.may_submit(request) or not form.is_valid():
        return pages.form_render(request, form=form, status=200 if request.method == "GET" else 400)
    try:
        submission = services.model_submission_create(user=request.user, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as exc:
        return pages.form_render(
            request, form=form, status=pages.status_of(exc), refusal=pages.reason(exc)
        )
    messages.success(request, "Submitted: the operator checks it before it is scored.")
    return redirect("dashboard:submission_detail", pk=submission.pk)


@require_GET
@login_required
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    submission = selectors.model_submission_get_for_user(user=request.user, submission_id=pk)
    return pages.detail_render(request, submission=submission)


@require_GET
@login_required
def submission_review(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise PermissionDenied("Only the operator reviews submissions.")
    pending = selectors.model_submissions_pending()
    return render(request, "dashboard/submissions/review.html", {"pending": pending})


@require_POST
@login_required
def submission_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request, pk, form=ApproveForm(request.POST), decide=services.model_submission_approve
    )


@require_POST
@login_required
def submission_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request, pk, form=RejectForm(request.POST), decide=services.model_submission_reject
    )


def _decide(
    request: HttpRequest, pk: int, *, form: Form, decide: Callable[..., Any]
) -> HttpResponse:
    """The operator's approval or rejection: the form checked, the service called, a refusal
    shown on the submission's page with its status."""
    submission = selectors.model_submission_get_for_user(user=request.user, submission_id=pk)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_text())
        decide(user=request.user, submission_id=submission.pk, **form.cleaned_data)
    except (ValidationError, PermissionDenied, QueueUnavailable) as exc:
        return pages.detail_render(
            request, submission=submission, status=pages.status_of(exc), refusal=pages.reason(exc)
        )
    return redirect("dashboard:submission_detail", pk=submission.pk)
