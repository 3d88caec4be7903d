"""Researcher pages of data protection: the participant list with withdrawal, and the audit
trail of a study. Reading goes through the researcher gatekeeper; withdrawing needs the
study's change permission (``study_get_for_editor``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from braintrial.audit.selectors import audit_entries, audit_line
from braintrial.audit.services import audit_download_record
from braintrial.dashboard.forms import ResearcherWithdrawForm
from braintrial.participants.selectors import participants_for_researcher_list
from braintrial.participants.services.withdrawal import NotWithdrawable, participant_withdraw
from braintrial.studies.models import Study
from braintrial.studies.selectors import (
    study_editable,
    study_get_for_editor,
    study_get_for_researcher,
)

PAGE_SIZE = 100


def _participants_page(
    request: HttpRequest, study: Study, form: ResearcherWithdrawForm, status: int = 200
) -> HttpResponse:
    pages = Paginator(participants_for_researcher_list(study=study), PAGE_SIZE)
    # The list shows recruitment ids: each page of it is a download, as a CSV file is.
    audit_download_record(actor=request.user, studies=[study], what="participant list", options={})
    context = {
        "study": study,
        "page": pages.get_page(request.GET.get("page")),
        "form": form,
        "can_edit": study_editable(user=request.user, study=study),
        "pseudonymised": {
            kind: reverse("exports:study_csv", args=[study.slug, kind]) + "?pseudonymise=1"
            for kind in ("participants", "trials")
        },
    }
    return render(request, "dashboard/participants.html", context, status=status)


@require_GET
@login_required
def participant_list(request: HttpRequest, slug: str) -> HttpResponse:
    study = study_get_for_researcher(user=request.user, slug=slug)
    initial = {"recruitment_id": request.GET.get("recruitment_id", "")[:128]}
    return _participants_page(request, study, ResearcherWithdrawForm(initial=initial))


@require_POST
def participant_withdraw_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Withdraw one participant at their request: 400 with the form again when the input is
    incomplete or nobody matches (nothing is changed then)."""
    study = study_get_for_editor(user=request.user, slug=slug)
    form = ResearcherWithdrawForm(request.POST)
    if not form.is_valid():
        return _participants_page(request, study, form, status=400)
    try:
        done = participant_withdraw(
            study=study,
            now=timezone.now(),
            recruitment_id=form.cleaned_data["recruitment_id"],
            reference=form.cleaned_data["reference"],
            requested_by="researcher",
            actor=request.user if isinstance(request.user, User) else None,
            reason=form.cleaned_data["reason"],
        )
    except NotWithdrawable as exc:
        form.add_error(None, str(exc))
        return _participants_page(request, study, form, status=400)
    messages.success(
        request,
        f"Participant {done.public_id} withdrawn: {done.trials_erased} trial(s) and their "
        "personal data erased. The audit log records it.",
    )
    return redirect("dashboard:participant_list", slug=study.slug)


@require_GET
@login_required
def study_audit(request: HttpRequest, slug: str) -> HttpResponse:
    """The study's audit trail, newest first, 200 entries a page."""
    study = study_get_for_researcher(user=request.user, slug=slug)
    pages = Paginator(audit_entries(study=study).reverse(), 200)
    page = pages.get_page(request.GET.get("page"))
    lines = [audit_line(entry=entry) for entry in page.object_list]
    return render(request, "dashboard/audit.html", {"study": study, "page": page, "lines": lines})
