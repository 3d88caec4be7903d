"""The one gate for file uploads: a large multipart body is read only once it is known to be
allowed.

Django parses a multipart body as soon as anything reads ``request.POST`` (the CSRF check does,
for every POST), and wrote each file part larger than 2.5 MB to a temporary file as it went: a
1 GB part sent anonymously to the logout address was spooled to disk for 12 s before the 403.
The only uploads braintrial takes are test-case files, imported into a study's bank from its
items page or through the API. So, judged by its Content-Length before a byte is read:

* a multipart body up to ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (64 kB; an ordinary form, as test
  clients and some browsers send them) is parsed wherever it is sent;
* a larger one is refused (413) anywhere but the two upload addresses; there, it is refused
  (403) unless the user (session or API token) may import into that study's bank
  (``bank_importable``), and (413) above ``settings.UPLOAD_MAX_BYTES``.

Whatever is parsed is kept in memory (``FILE_UPLOAD_HANDLERS`` holds the memory handler only,
and ``FILE_UPLOAD_MAX_MEMORY_SIZE`` is the same cap): nothing is written to disk.

Place it after AuthenticationMiddleware (it reads the session's user).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest, HttpResponse
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import APIException
from rest_framework.settings import api_settings

from braintrial.errors import error_response
from braintrial.security import form_parse
from braintrial.studies.banks import bank_importable
from braintrial.studies.models import Study

# Where a test-case file may be sent: the items page's check and the API's import.
UPLOAD_PATHS = (
    re.compile(r"/dashboard/(?P<slug>[-\w]+)/items/check/"),
    re.compile(r"/api/studies/(?P<slug>[-\w]+)/items/import/"),
)


def _uploader(request: HttpRequest) -> AbstractBaseUser | AnonymousUser:
    """The session's user, else the API token's (the API authenticates in the view, too late
    for this gate)."""
    user = getattr(request, "user", AnonymousUser())
    if user.is_authenticated:
        return user
    # The settings name them; DRF imports them on access.
    classes: list[type] = list(api_settings.DEFAULT_AUTHENTICATION_CLASSES)  # type: ignore[arg-type]
    for authentication in classes:
        if issubclass(authentication, TokenAuthentication):
            try:
                found = authentication().authenticate(request)  # type: ignore[arg-type]
            except APIException:
                return AnonymousUser()
            if found is not None:
                return found[0]
    return AnonymousUser()


def upload_refusal(request: HttpRequest) -> HttpResponse | None:
    """The answer to a multipart request that may not be read, None for one that may."""
    length = str(request.META.get("CONTENT_LENGTH") or "0")
    size = int(length) if length.isdigit() else 0  # Django reads no body without a length
    if size <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        return None
    match = next((m for m in (p.fullmatch(request.path_info) for p in UPLOAD_PATHS) if m), None)
    if request.method != "POST" or match is None:
        small = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
        return error_response(
            request, status=413, reason=f"This address takes no body larger than {small} kB."
        )
    study = Study.objects.filter(slug=match["slug"]).only("pk", "bank").first()
    if study is None or not bank_importable(user=_uploader(request), name=study.bank, study=study):
        return error_response(
            request, status=403, reason="Only a researcher who may import into this study's "
            "bank may upload files to it."
        )  # fmt: skip
    if size > settings.UPLOAD_MAX_BYTES:
        limit = settings.UPLOAD_MAX_BYTES // (1024 * 1024)
        return error_response(request, status=413, reason=f"Uploads are limited to {limit} MB.")
    return None


class UploadGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.content_type != "multipart/form-data":
            return self.get_response(request)
        refused = upload_refusal(request) or form_parse(request)
        if refused is not None:
            return refused
        return self.get_response(request)
