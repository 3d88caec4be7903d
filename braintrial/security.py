"""Response headers and request limits that protect participants and researchers.

The Content-Security-Policy comes from django-csp (settings.CONTENT_SECURITY_POLICY); what is
here is this project's own: researcher data kept out of shared caches, and participant pages
that take only their own small forms.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.datastructures import MultiValueDict

from braintrial.errors import error_response

logger = logging.getLogger(__name__)
# Bodies Django parses into request.POST; any other type is left to the view (DRF's parsers).
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

# Researcher data must not be kept by a shared cache (a proxy, a CDN) and served to someone else.
PRIVATE_PREFIXES = ("/dashboard/", "/api/", "/exports/", "/admin/", "/accounts/")


class PrivateCacheMiddleware:
    """``Cache-Control: private, no-store`` on researcher pages and data (HTML, JSON, CSV) and
    on anything answered to a logged-in user, unless the view declared the response public
    (the versioned plotly.js)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "public" in response.get("Cache-Control", ""):
            return response
        user = getattr(request, "user", None)
        if request.path.startswith(PRIVATE_PREFIXES) or (user and user.is_authenticated):
            patch_cache_control(response, private=True, no_store=True)
            patch_vary_headers(response, ["Cookie", "Authorization"])
        return response


class FormOnlyMiddleware:
    """Request bodies are checked here, once, before anything else reads them.

    * Participant pages and the login pages (settings.FORM_ONLY_PATHS) take only small
      url-encoded forms: any other POST body (a multipart upload above all, which Django would
      spool to disk) is refused with 415 before anything, the CSRF check included, parses it.
    * Every form body (url-encoded or multipart) is parsed here. One that cannot be parsed (a
      charset other than UTF-8, bad multipart, too many fields, too large) gets a 400 page
      and one line in the log. Left to the CSRF check, the same body failed again in
      every error handler that re-ran the check, and ended as a 500 with a long traceback.

    Place it before CsrfViewMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return self.get_response(request)
        prefixes = tuple(getattr(settings, "FORM_ONLY_PATHS", ()))
        if (
            request.method == "POST"
            and request.path.startswith(prefixes)
            # An empty POST carries no content type; Django parses nothing of other types.
            and request.content_type not in ("application/x-www-form-urlencoded", "")
        ):
            return HttpResponse(
                "This page accepts only its own form (application/x-www-form-urlencoded).",
                status=415,
                content_type="text/plain; charset=utf-8",
            )
        if request.method == "POST" and request.content_type in FORM_TYPES:
            refused = _form_parse(request)
            if refused is not None:
                return refused
        return self.get_response(request)


def _form_parse(request: HttpRequest) -> HttpResponse | None:
    """Parse the form body (Django keeps the result for everyone after); the error page for
    a body that cannot be parsed, None for one that can."""
    try:
        request.POST  # noqa: B018 (parsing is the point)
    except RequestDataTooBig:  # 400, as Django answers it (clients and tests rely on that)
        status, reason = 400, "The request body is too large."
    except (BadRequest, SuspiciousOperation, MultiPartParserError, UnicodeError, ValueError) as exc:
        status, reason = 400, "The request body could not be read as a form."
        logger.warning("Unreadable form body: %s %s: %s", request.method, request.path, exc)
    else:
        return None
    # Nothing later may read the body again: an empty form stands in for it.
    request._post, request._files = type(request.GET)(), MultiValueDict()  # type: ignore[attr-defined]
    return error_response(request, status=status, reason=reason)
