"""What the setup pages show, and the checked upload that waits in the session for its import."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import segno
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from braintrial.dashboard.links import participant_link
from braintrial.dashboard.setup.forms import InviteForm, ItemUploadForm, StudyForm
from braintrial.items.published_csv import bank_source_files
from braintrial.items.selectors import item_test_cases, items_flagged
from braintrial.items.services.importing import ImportReport
from braintrial.items.services.parsing import ItemImportError
from braintrial.items.services.preview import ItemPreview
from braintrial.items.sources import HUMAN_QUOTA, MACHINE_QUOTA, quota_q
from braintrial.participants.selectors import consent_versions_of_study
from braintrial.studies.banks import item_banks_summary
from braintrial.studies.item_import import (
    bank_change_check,
    items_import_into_study,
    items_preview_for_study,
)
from braintrial.studies.models import Study
from braintrial.studies.readiness import study_readiness
from braintrial.studies.selectors import study_get_for_researcher, study_invitations_of
from braintrial.studies.services import study_invitation_create
from braintrial.studies.texts import study_text_fill, study_text_warnings

# A checked file waits here (one per study) until the researcher confirms the import: the import
# then stores exactly the rows the preview showed, without a second upload.
UPLOAD_KEY = "dashboard:item-upload:{study}"
PREVIEW_ROWS = 50
# The same answer whether or not an account has the name: the form lists no accounts.
INVITED = (
    "Invitation for {name} recorded. If an account has that name, its holder sees the "
    "invitation on their study list when they next log in, and becomes a researcher of this "
    "study once they accept it."
)


def consent_warning(*, study: Study | None) -> str:
    """What the settings page says above the consent text of a study that has participants."""
    versions = consent_versions_of_study(study=study) if study else []
    if not versions:
        return ""
    agreed = ", ".join(f"{n} to version {short}" for short, n in versions)
    return (
        f"Participants have answered this consent text ({agreed}). Changing it creates a new "
        "version: new participants agree to the new text, and everyone keeps the version they "
        "agreed to (participants.csv, consent_version)."
    )


def study_saved_say(request: HttpRequest, *, form: StudyForm, study: Study) -> None:
    """Tell the researcher the settings are saved, and warn when a study with participants
    got a new consent text (its participants' versions are unchanged by the save)."""
    messages.success(request, "Settings saved.")
    warning = consent_warning(study=study) if "consent_text" in form.changed_data else ""
    if warning:
        messages.warning(request, "The consent text changed: a new consent version. " + warning)


def study_form_render(
    request: HttpRequest,
    *,
    form: StudyForm,
    study: Study | None,
    invite_form: InviteForm | None = None,
    invite_errors: list[str] | None = None,
) -> HttpResponse:
    """The settings page; with ``preview`` posted, the texts as participants will read them.

    The heading and the readiness banner describe the study as saved: a refused form has
    written its values onto its instance (``study``), a state that was never stored."""
    if study is not None:
        study = study_get_for_researcher(user=request.user, slug=study.slug)
    preview = None
    if request.method == "POST" and "preview" in request.POST:
        preview = _texts_preview(request, form=form, study=study)
    context = {
        "form": form,
        "study": study,
        "banks": item_banks_summary(user=request.user),
        "preview": preview,
        "invite_form": invite_form or InviteForm(),
        "invite_errors": invite_errors or [],
        "researchers": study.researchers.order_by("username") if study else [],
        "readiness": study_readiness(study=study) if study else None,
        "consent_warning": consent_warning(study=study),
        "invitations": study_invitations_of(study=study) if study else [],
    }
    status = 400 if invite_errors or (form.is_bound and form.errors) else 200
    return render(request, "dashboard/study_form.html", context, status=status)


@dataclass(frozen=True)
class TextsPreview:
    consent: str
    instructions: str
    warnings: list[str]


def _texts_preview(request: HttpRequest, *, form: StudyForm, study: Study | None) -> TextsPreview:
    """The posted texts as participants will read them, numbers filled in from the posted
    settings (the saved ones where the form does not validate), and every figure a text states
    that differs from the study's."""
    texts = {
        "consent": request.POST.get("consent_text", ""),
        "instructions": request.POST.get("instructions_text", ""),
    }
    # A valid form has written its settings onto its instance (nothing is saved).
    candidate = form.instance if form.is_valid() else (study or Study())
    return TextsPreview(
        consent=study_text_fill(study=candidate, text=texts["consent"]),
        instructions=study_text_fill(study=candidate, text=texts["instructions"]),
        warnings=[w.message for w in study_text_warnings(study=candidate, texts=texts)],
    )


def study_items_render(
    request: HttpRequest,
    *,
    study: Study,
    form: ItemUploadForm,
    preview: ItemPreview | None = None,
    status: int = 200,
) -> HttpResponse:
    """The bank page: what the bank holds, the upload form, and a checked file's preview."""
    try:
        bank_change_check(user=request.user, study=study)  # type: ignore[arg-type]
        shared_note = ""
    except PermissionDenied as exc:
        shared_note = str(exc)
    items = item_test_cases(bank=study.bank)
    context = {
        "study": study,
        "form": form,
        "preview": preview,
        "preview_rows": preview.rows[:PREVIEW_ROWS] if preview else [],
        "shared_note": shared_note,
        # Current versions: what a study can serve (superseded and retired ones are kept).
        # Per quota (items.sources): model-drafted cases count as machine-written.
        "n_human": items.filter(quota_q(HUMAN_QUOTA), retired_at__isnull=True).count(),
        "n_gpt4": items.filter(quota_q(MACHINE_QUOTA), retired_at__isnull=True).count(),
        "bank_files": bank_source_files(bank=study.bank),
        "pending": request.session.get(UPLOAD_KEY.format(study=study.pk)),
        "readiness": study_readiness(study=study),
        "flagged": items_flagged(bank=study.bank),
    }
    return render(request, "dashboard/study_items.html", context, status=status)


def invite_record(*, form: InviteForm, study: Study, inviter: User) -> str:
    """Record the invitation the form asks for and return the invited name; ValidationError
    with the message to show for a form without one. Whether an account has the name is not
    looked up (studies.services.study_invitation_create)."""
    if not form.is_valid():
        raise ValidationError(form.errors["username"].as_data())
    invitation = study_invitation_create(
        study=study, inviter=inviter, username=form.cleaned_data["username"]
    )
    return invitation.username


def upload_check(
    request: HttpRequest, *, user: User, study: Study, form: ItemUploadForm
) -> ItemPreview:
    """Check the uploaded file (nothing stored) and keep it for the import if it passed."""
    upload, source = form.cleaned_data["file"], form.cleaned_data["source"]
    content = upload.read()
    preview = items_preview_for_study(
        user=user, study=study, content=content, name=upload.name, source=source
    )
    _upload_keep(request, study=study, preview=preview, content=content)
    return preview


def _upload_keep(
    request: HttpRequest, *, study: Study, preview: ItemPreview, content: bytes
) -> None:
    """Keep a file that passed its check for the import; forget any earlier one."""
    key = UPLOAD_KEY.format(study=study.pk)
    request.session.pop(key, None)
    if preview.importable:
        request.session[key] = {
            "name": preview.name,
            "source": preview.source,
            "n_rows": len(preview.rows),
            "content": base64.b64encode(content).decode("ascii"),
        }


def upload_import(request: HttpRequest, *, study: Study) -> ImportReport:
    """Import the checked file of ``study``; ValidationError when there is none or it fails."""
    pending = request.session.pop(UPLOAD_KEY.format(study=study.pk), None)
    if not pending:
        raise ValidationError("No checked file is waiting: upload the file and check it first.")
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Log in as a researcher of this study.")
    try:
        return items_import_into_study(
            user=user,
            study=study,
            upload=io.BytesIO(base64.b64decode(pending["content"])),
            name=pending["name"],
            source=pending["source"],
        )
    except ItemImportError as exc:
        raise ValidationError(str(exc)) from exc


def qr_svg(request: HttpRequest, *, study: Study) -> str:
    """An SVG QR code of the participant link (error correction M: survives a smudge)."""
    qr = segno.make(participant_link(request=request, study=study), error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="svg", scale=4, border=2, title="Participant link")
    return buffer.getvalue().decode("utf-8")
