"""The researchers' page of a study's releases: the list, and freezing the next one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from braintrial.audit.services import audit_download_record
from braintrial.public.models import Release
from braintrial.public.releases.package import release_zip
from braintrial.public.releases.services import ReleaseNotReady, release_freeze
from braintrial.public.selectors import public_release_get
from braintrial.studies.selectors import (
    study_editable,
    study_get_for_editor,
    study_get_for_researcher,
)


@login_required
@require_safe
def release_list(request: HttpRequest, slug: str) -> HttpResponse:
    study = study_get_for_researcher(user=request.user, slug=slug)
    context = {
        "study": study,
        "releases": Release.objects.filter(study=study).order_by("-number"),
        "editable": study_editable(user=request.user, study=study),
    }
    return render(request, "public/release_list.html", context)


@login_required
@require_POST
def release_freeze_view(request: HttpRequest, slug: str) -> HttpResponse:
    study = study_get_for_editor(user=request.user, slug=slug)
    assert isinstance(request.user, User)  # an editor is a User
    try:
        release = release_freeze(study=study, user=request.user)
    except ReleaseNotReady as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Release {release.label} is frozen.")
    return redirect("public:release_list", slug=study.slug)


@login_required
@require_safe
def release_download_researcher(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    study = study_get_for_researcher(user=request.user, slug=slug)
    release = public_release_get(study=study, number=number)
    # As every researcher's download of a study's data; the public's, anonymous, are not.
    audit_download_record(
        actor=request.user, studies=[study], what=f"release {release.label}", options={}
    )
    return release_zip(release=release)
