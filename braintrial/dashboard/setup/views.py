"""Study setup pages. Reading a study goes through the researcher gatekeeper, changing one
through ``study_get_for_editor`` (the change permission and being one of its researchers)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from braintrial.dashboard.setup import pages
from braintrial.dashboard.setup.forms import InviteForm, ItemUploadForm, StudyForm
from braintrial.studies import services
from braintrial.studies.models import Study, StudyInvitation
from braintrial.studies.readiness import study_readiness
from braintrial.studies.selectors import (
    CREATE_PERMISSION,
    study_get_for_editor,
    study_get_for_researcher,
)
from braintrial.studies.services import study_invitation_answer as answer_invitation


def _researcher(request: HttpRequest) -> User:
    # login_required and the gatekeepers have turned anonymous users away already.
    if not isinstance(request.user, User):
        raise PermissionDenied("Log in as a researcher.")
    return request.user


def _readiness_warn(request: HttpRequest, study: Study) -> None:
    """Say why a study just saved cannot open yet (an open one that is not ready is refused)."""
    readiness = study_readiness(study=study)
    if not readiness.can_open:
        reasons = " ".join(problem.message for problem in readiness.problems)
        messages.warning(request, f"Not ready, so the study stays closed: {reasons}")


@require_http_methods(["GET", "POST"])
@login_required
@permission_required(CREATE_PERMISSION, raise_exception=True)
def study_create(request: HttpRequest) -> HttpResponse:
    form = StudyForm(request.POST or None)
    if request.method == "POST" and "preview" not in request.POST and form.is_valid():
        try:
            study = services.study_create_with_researcher(
                creator=_researcher(request),
                fields=form.settings(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Study {study.slug} created. Next: its items.")
            _readiness_warn(request, study)
            return redirect("dashboard:study_items", slug=study.slug)
    return pages.study_form_render(request, form=form, study=None)


@require_http_methods(["GET", "POST"])
def study_edit(request: HttpRequest, slug: str) -> HttpResponse:
    study = study_get_for_editor(user=request.user, slug=slug)
    form = StudyForm(request.POST or None, instance=study, editing=True)
    if request.method == "POST" and "preview" not in request.POST and form.is_valid():
        try:
            services.study_update(study=study, editor=_researcher(request), fields=form.settings())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            pages.study_saved_say(request, form=form, study=study)
            _readiness_warn(request, study)
            return redirect("dashboard:study_detail", slug=study.slug)
    return pages.study_form_render(request, form=form, study=study)


@require_POST
def study_invite(request: HttpRequest, slug: str) -> HttpResponse:
    study = study_get_for_editor(user=request.user, slug=slug)
    form = InviteForm(request.POST)
    try:
        name = pages.invite_record(form=form, study=study, inviter=_researcher(request))
    except ValidationError as exc:
        settings_form = StudyForm(instance=study, editing=True)
        return pages.study_form_render(
            request, form=settings_form, study=study, invite_form=form, invite_errors=exc.messages
        )
    messages.success(request, pages.INVITED.format(name=name))
    return redirect("dashboard:study_edit", slug=study.slug)


@require_POST
@login_required
def invitation_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The invited user accepts (becomes a researcher of the study) or declines."""
    accept = request.POST.get("answer") == "accept"
    try:
        study = answer_invitation(user=_researcher(request), invitation_id=pk, accept=accept)
    except StudyInvitation.DoesNotExist as exc:
        raise Http404("No such invitation.") from exc
    if study is None:
        messages.info(request, "Invitation declined.")
        return redirect("dashboard:study_list")
    messages.success(request, f"You are now a researcher of {study.title}.")
    return redirect("dashboard:study_detail", slug=study.slug)


@require_GET
def study_items(request: HttpRequest, slug: str) -> HttpResponse:
    study = study_get_for_editor(user=request.user, slug=slug)
    return pages.study_items_render(request, study=study, form=ItemUploadForm())


@require_POST
def study_items_check(request: HttpRequest, slug: str) -> HttpResponse:
    """Check an uploaded file and show every row's problem, or a preview; nothing is stored."""
    study = study_get_for_editor(user=request.user, slug=slug)
    form = ItemUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return pages.study_items_render(request, study=study, form=form, status=400)
    preview = pages.upload_check(request, user=_researcher(request), study=study, form=form)
    status = 200 if preview.importable else 400
    return pages.study_items_render(request, study=study, form=form, preview=preview, status=status)


@require_POST
def study_items_import(request: HttpRequest, slug: str) -> HttpResponse:
    """Import the file checked last (kept in the session), all rows or none."""
    study = study_get_for_editor(user=request.user, slug=slug)
    try:
        report = pages.upload_import(request, study=study)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return pages.study_items_render(request, study=study, form=ItemUploadForm(), status=400)
    messages.success(request, f"Imported {report.summary()}.")
    return redirect("dashboard:study_items", slug=study.slug)


@require_GET
@cache_control(private=True, max_age=300)
def study_qr(request: HttpRequest, slug: str) -> HttpResponse:
    """The participant link as a QR code (SVG), for posters and slides."""
    study = study_get_for_researcher(user=request.user, slug=slug)
    return HttpResponse(pages.qr_svg(request, study=study), content_type="image/svg+xml")
