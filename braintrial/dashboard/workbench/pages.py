"""What the workbench's pages show, and the checked file that waits in the session for its
import (as the study items page keeps its upload)."""

from __future__ import annotations

import base64

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from braintrial.dashboard.workbench.forms import CandidatePasteForm, CandidateUploadForm
from braintrial.items.models import ItemBank
from braintrial.workbench.models import Candidate
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


def researcher(request: HttpRequest) -> User:
    if not isinstance(request.user, User):  # login_required has turned anyone else away
        raise PermissionDenied("Log in as a researcher.")
    return request.user


def candidates_render(
    request: HttpRequest,
    *,
    bank: ItemBank,
    upload: CandidateUploadForm | None = None,
    paste: CandidatePasteForm | None = None,
    preview: CandidatePreview | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The bank's workbench: the forms, a checked file's preview, and the candidates."""
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


def upload_check(
    request: HttpRequest, *, bank: ItemBank, form: CandidateUploadForm
) -> CandidatePreview:
    """Check the uploaded file (nothing stored); keep it for the import if it passed, and
    forget any file checked before."""
    key = UPLOAD_KEY.format(bank=bank.pk)
    request.session.pop(key, None)
    upload, section = form.cleaned_data["file"], form.cleaned_data["section"]
    content = upload.read()
    preview = candidates_check(
        user=researcher(request), bank=bank, content=content, name=upload.name, section=section
    )
    if preview.importable:
        request.session[key] = {
            "name": preview.name,
            "section": section,
            "n_rows": len(preview.rows),
            "content": base64.b64encode(content).decode("ascii"),
        }
    return preview


def upload_import(request: HttpRequest, *, bank: ItemBank) -> tuple[str, list[Candidate]]:
    """Import the file checked last for ``bank``: its name and the candidates stored.
    CandidateImportError when none waits or it fails; nothing is stored then."""
    pending = request.session.pop(UPLOAD_KEY.format(bank=bank.pk), None)
    if not pending:
        raise CandidateImportError(
            ["No checked file is waiting: upload the file and check it first."]
        )
    imported = candidates_import_file(
        user=researcher(request),
        bank=bank,
        content=base64.b64decode(pending["content"]),
        name=pending["name"],
        section=pending["section"],
    )
    return pending["name"], imported


def paste_import(request: HttpRequest, *, bank: ItemBank, form: CandidatePasteForm) -> Candidate:
    """Import the pasted abstract. CandidateImportError when it cannot be (the form's own
    errors are shown beside its fields, so the message list is empty then)."""
    if not form.is_valid():
        raise CandidateImportError([])
    return candidate_import_pasted(user=researcher(request), bank=bank, values=form.cleaned_data)
