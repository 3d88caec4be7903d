"""Response headers and request limits that protect participants and researchers.

The Content-Security-Policy comes from django-csp (settings.CONTENT_SECURITY_POLICY); what is
here is this project's own: researcher data kept out of shared caches, and participant pages
that take only their own small forms.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.datastructures import MultiValueDict

from braintrial.errors import error_response

logger = logging.getLogger(__name__)

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


class ReadableRequest(WSGIRequest):
    """A request whose Content-Type header may be unreadable.

    Django reads the header's parameters as it builds the request, before any middleware runs;
    an RFC 2231 parameter naming an unknown charset (``charset*=bogus''%41``) raises there, and
    the server answered a bare 500 to any address, GET included. Here such a header is kept
    out (no content type) and the request marked, so that ``MalformedRequestMiddleware``
    answers it with a 400."""

    unreadable = ""

    def _set_content_type_params(self, meta: dict[str, object]) -> None:
        try:
            super()._set_content_type_params(meta)  # type: ignore[misc]
        except (LookupError, UnicodeError, ValueError):
            self.content_type, self.content_params = "", {}
            self.unreadable = "The Content-Type header could not be read."


def _text_codec(name: str) -> bool:
    """Whether ``name`` is a charset a body can be read in: an unknown one is read as UTF-8
    (as Django does), a known codec that is no text encoding (rot13, base64, zlib) is not."""
    try:
        return codecs.lookup(name)._is_text_encoding
    except LookupError:
        return True


_PORT = re.compile(r"[0-9]{1,5}")


def _malformed(request: HttpRequest) -> str:
    """Why the request cannot be read (empty if it can)."""
    if getattr(request, "unreadable", ""):
        return str(request.unreadable)  # type: ignore[attr-defined]
    query = str(request.META.get("QUERY_STRING", ""))
    if "\x00" in request.path or "\x00" in query or "%00" in query:
        # No text field stores a NUL (PostgreSQL refuses it), and no address needs one.
        return "The address holds a NUL character."
    port = str(request.META.get("HTTP_X_FORWARDED_PORT", ""))
    if port and not (_PORT.fullmatch(port) and 0 < int(port) < 65536):
        return "X-Forwarded-Port is not a port number."
    charset = request.content_params.get("charset") if request.content_params else None
    if charset and not _text_codec(charset):
        return f"The body's charset {charset[:40]!r} is not a text encoding."
    return ""


class MalformedRequestMiddleware:
    """A 400 page for a request that no view could read, before anything reads it: an
    unreadable Content-Type header, a NUL character in the address, a forged
    ``X-Forwarded-Port`` that is no port, a body in a codec that is no text encoding. Each was
    a 500 further in (a decoder's LookupError, PostgreSQL refusing the NUL, a negative port
    stored). Place it first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reason = _malformed(request)
        if reason:
            logger.warning("Malformed request: %s %s: %s", request.method, request.path, reason)
            return error_response(request, status=400, reason=reason)
        return self.get_response(request)


class FormOnlyMiddleware:
    """Request bodies are checked here, once, before anything else reads them.

    * Participant pages and the login pages (settings.FORM_ONLY_PATHS) take only small
      url-encoded forms: any other POST body (a multipart upload above all, which Django would
      spool to disk) is refused with 415 before anything, the CSRF check included, parses it.
    * Every url-encoded form body is parsed here (a multipart one after the upload gate,
      braintrial.studies.uploads). One that cannot be parsed (a charset other than UTF-8,
      bad multipart, too many fields, too large) gets a 400 page
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
        # Multipart bodies are parsed only once the upload is known to be allowed
        # (braintrial.studies.uploads.UploadGateMiddleware).
        if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
            refused = form_parse(request)
            if refused is not None:
                return refused
        return self.get_response(request)


def form_parse(request: HttpRequest) -> HttpResponse | None:
    """Parse the form body (Django keeps the result for everyone after); the error page for
    a body that cannot be parsed, None for one that can."""
    try:
        request.POST  # noqa: B018 (parsing is the point)
    except RequestDataTooBig:  # 400, as Django answers it (clients and tests rely on that)
        status, reason = 400, "The request body is too large."
    except (
        BadRequest,
        SuspiciousOperation,
        MultiPartParserError,
        LookupError,  # a part's RFC 2231 parameter naming an unknown charset
        UnicodeError,
        ValueError,
    ) as exc:
        status, reason = 400, "The request body could not be read as a form."
        logger.warning("Unreadable form body: %s %s: %s", request.method, request.path, exc)
    else:
        return None
    # Nothing later may read the body again: an empty form stands in for it.
    request._post, request._files = type(request.GET)(), MultiValueDict()  # type: ignore[attr-defined]
    return error_response(request, status=status, reason=reason)
