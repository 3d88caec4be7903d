"""The item workbench's pages: a bank's candidate abstracts, and importing them.

Every page fetches its bank through ``workbench.access.workbench_bank_get`` (the bank's owners
only); the services store a file whole or not at all and record the import in the audit log.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from braintrial.dashboard.workbench import pages
from braintrial.dashboard.workbench.forms import CandidatePasteForm, CandidateUploadForm
from braintrial.workbench.access import workbench_bank_get, workbench_banks_for_user
from braintrial.workbench.services import CandidateImportError


@require_GET
@login_required
def workbench_banks(request: HttpRequest) -> HttpResponse:
    banks = workbench_banks_for_user(user=request.user).annotate(n=Count("candidates"))
    return render(request, "dashboard/workbench/banks.html", {"banks": banks})


@require_GET
@login_required
def candidates(request: HttpRequest, bank: str) -> HttpResponse:
    return pages.candidates_render(request, bank=workbench_bank_get(user=request.user, name=bank))


@require_POST
@login_required
def candidates_file_check(request: HttpRequest, bank: str) -> HttpResponse:
    """Check an uploaded file; show every problem or a preview. Nothing is stored."""
    item_bank = workbench_bank_get(user=request.user, name=bank)
    form = CandidateUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        request.session.pop(pages.UPLOAD_KEY.format(bank=item_bank.pk), None)
        return pages.candidates_render(request, bank=item_bank, upload=form, status=400)
    preview = pages.upload_check(request, bank=item_bank, form=form)
    status = 200 if preview.importable else 400
    return pages.candidates_render(
        request, bank=item_bank, upload=form, preview=preview, status=status
    )


@require_POST
@login_required
def candidates_file_import(request: HttpRequest, bank: str) -> HttpResponse:
    """Import the file checked last, every record or none."""
    item_bank = workbench_bank_get(user=request.user, name=bank)
    try:
        name, imported = pages.upload_import(request, bank=item_bank)
    except CandidateImportError as exc:
        return pages.candidates_render(request, bank=item_bank, errors=exc.messages, status=400)
    messages.success(request, f"Imported {len(imported)} candidates from {name}.")
    return redirect("dashboard:workbench_candidates", bank=item_bank.name)


@require_POST
@login_required
def candidate_paste(request: HttpRequest, bank: str) -> HttpResponse:
    """Import one pasted abstract."""
    item_bank = workbench_bank_get(user=request.user, name=bank)
    form = CandidatePasteForm(request.POST)
    try:
        candidate = pages.paste_import(request, bank=item_bank, form=form)
    except CandidateImportError as exc:
        return pages.candidates_render(
            request, bank=item_bank, paste=form, errors=exc.messages, status=400
        )
    messages.success(request, f"Imported the candidate {candidate.doi}.")
    return redirect("dashboard:workbench_candidates", bank=item_bank.name)
