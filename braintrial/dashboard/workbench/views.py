"""The item workbench's pages: a bank's candidate abstracts, and importing them.

Every page fetches its bank through ``workbench.access.workbench_bank_get`` (the bank's owners
only); the services store a file whole or not at all and record the import in the audit log.
"""

from __future__ import annotations

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from braintrial.dashboard.workbench.forms import CandidatePasteForm, CandidateUploadForm
from braintrial.items.models import ItemBank
from braintrial.workbench.access import workbench_bank_get, workbench_banks_for_user
from braintrial.workbench.selectors import candidate_list
from braintrial.workbench.services import (
    CandidateImportError,
    CandidatePreview,
    candidate_import_pasted,
    candidates_check,
    candidates_import_file,
)

# A checked file waits here (one per bank) until its import is confirmed: the import then
# stores what the preview showed, checked once more, without a second upload.
UPLOAD_KEY = "dashboard:candidate-upload:{bank}"
PREVIEW_ROWS = 50


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):  # login_required has turned anyone else away
        raise PermissionDenied("Log in as a researcher.")
    return request.user


@require_GET
@login_required
def workbench_banks(request: HttpRequest) -> HttpResponse:
    banks = workbench_banks_for_user(user=request.user).annotate(n=Count("candidates"))
    return render(request, "dashboard/workbench/banks.html", {"banks": banks})


def _page(
    request: HttpRequest,
    *,
    bank: ItemBank,
    upload: CandidateUploadForm | None = None,
    paste: CandidatePasteForm | None = None,
    preview: CandidatePreview | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "bank": bank,
        "upload": upload or CandidateUploadForm(),
        "paste": paste or CandidatePasteForm(),
        "preview": preview,
        "preview_rows": preview.rows[:PREVIEW_ROWS] if preview else [],
        "errors": errors or [],
        "pending": request.session.get(UPLOAD_KEY.format(bank=bank.pk)),
        "candidates": candidate_list(user=request.user, bank_id=bank.pk),
    }
    return render(request, "dashboard/workbench/candidates.html", context, status=status)


@require_GET
@login_required
def candidates(request: HttpRequest, bank: str) -> HttpResponse:
    return _page(request, bank=workbench_bank_get(user=request.user, name=bank))


@require_POST
@login_required
def candidates_file_check(request: HttpRequest, bank: str) -> HttpResponse:
    """Check an uploaded file; show every problem or a preview. Nothing is stored."""
    item_bank = workbench_bank_get(user=request.user, name=bank)
    form = CandidateUploadForm(request.POST, request.FILES)
    key = UPLOAD_KEY.format(bank=item_bank.pk)
    request.session.pop(key, None)
    if not form.is_valid():
        return _page(request, bank=item_bank, upload=form, status=400)
    upload, section = form.cleaned_data["file"], form.cleaned_data["section"]
    content = upload.read()
    preview = candidates_check(
        user=_user(request), bank=item_bank, content=content, name=upload.name, section=section
    )
    if preview.importable:
        request.session[key] = {
            "name": preview.name,
            "section": section,
            "n_rows": len(preview.rows),
            "content": base64.b64encode(content).decode("ascii"),
        }
    status = 200 if preview.importable else 400
    return _page(request, bank=item_bank, upload=form, preview=preview, status=status)


@require_POST
@login_required
def candidates_file_import(request: HttpRequest, bank: str) -> HttpResponse:
    """Import the file checked last, every record or none."""
    item_bank = workbench_bank_get(user=request.user, name=bank)
    pending = request.session.pop(UPLOAD_KEY.format(bank=item_bank.pk), None)
    if not pending:
        errors = ["No checked file is waiting: upload the file and check it first."]
        return _page(request, bank=item_bank, errors=errors, status=400)
    try:
        imported = candidates_import_file(
            user=_user(request),
            bank=item_bank,
            content=base64.b64decode(pending["content"]),
            name=pending["name"],
            section=pending["section"],
        )
    except CandidateImportError as exc:
        return _page(request, bank=item_bank, errors=exc.messages, status=400)
    messages.success(request, f"Imported {len(imported)} candidates from {pending['name']}.")
    return redirect("dashboard:workbench_candidates", bank=item_bank.name)


@require_POST
@login_required
def candidate_paste(request: HttpRequest, bank: str) -> HttpResponse:
    """Import one pasted abstract."""
    item_bank = workbench_bank_get(user=request.user, name=bank)
    form = CandidatePasteForm(request.POST)
    if not form.is_valid():
        return _page(request, bank=item_bank, paste=form, status=400)
    try:
        candidate = candidate_import_pasted(
            user=_user(request), bank=item_bank, values=form.cleaned_data
        )
    except CandidateImportError as exc:
        return _page(request, bank=item_bank, paste=form, errors=exc.messages, status=400)
    messages.success(request, f"Imported the candidate {candidate.doi}.")
    return redirect("dashboard:workbench_candidates", bank=item_bank.name)
