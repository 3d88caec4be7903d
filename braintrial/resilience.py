"""A database that is down or restarting: one retry where it is safe, then a friendly 503.

A restart in immediate mode closes every connection. ``CONN_HEALTH_CHECKS`` (settings) makes
each request check a reused connection first; a request that still meets a closed connection
(the restart happened during it) is answered here:

* GET and HEAD change nothing, so they are run once more on a fresh connection;
* anything else is not repeated by the server (the participant services would make a repeat
  harmless, but other writes need not): the client gets a 503 page that says nothing was lost
  that they were told was saved, and that reloads itself (as a GET) after a few seconds.

A POST that failed was never acknowledged: its transaction rolled back or never began, and the
page it reloads to shows the step again, so nothing acknowledged is lost and nothing doubled.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language_from_request, override

from braintrial.errors import error_response

logger = logging.getLogger(__name__)
# Lost or refused connections. IntegrityError, DataError and ProgrammingError are bugs or bad
# input and stay 500s (or are handled where they arise).
UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_S = 5
SAFE_METHODS = ("GET", "HEAD")
_MARK = "_braintrial_database_unavailable"


def _reload_url(request: HttpRequest) -> str:
    """Where the page reloads to, always with GET: the page itself, or for a POST the page the
    form was on (its Referer, when it is this site's), which keeps a study link's parameters."""
    if request.method in SAFE_METHODS:
        return request.get_full_path()
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return request.path


def _wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("accept", "")
    return (
        request.path.startswith("/api/")
        or request.path.endswith(".json")
        or ("application/json" in accept and "text/html" not in accept)
    )


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """The 503 answer; it reads nothing from the database (there may be none)."""
    if _wants_json(request):
        response: HttpResponse = JsonResponse(
            {"detail": "The database is briefly unavailable; retry in a few seconds."},
            status=503,
        )
    else:
        context = {"reload_url": _reload_url(request), "reload_s": RETRY_AFTER_S}
        # The study's language cannot be read without the database: a participant page takes
        # the browser's preferred one among those offered; the researcher's pages stay English.
        participant = request.path.startswith("/s/")
        language = get_language_from_request(request) if participant else settings.LANGUAGE_CODE
        with override(language):
            page = render_to_string("503.html", context)
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_S)
    response["Cache-Control"] = "no-store"
    return response


def _drop_broken_connections() -> None:
    for connection in connections.all(initialized_only=True):
        connection.close_if_unusable_or_obsolete()


class DatabaseUnavailableMiddleware:
    """Outermost middleware: see the module docstring."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, _MARK, False) and request.method in SAFE_METHODS:
            setattr(request, _MARK, False)
            _drop_broken_connections()
            logger.warning("Database unavailable during %s; retrying once", request.path)
            response = self.get_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, UNAVAILABLE):
            return None
        retried = hasattr(request, _MARK)
        setattr(request, _MARK, not retried)
        logger.error("Database unavailable: %s %s: %s", request.method, request.path, exception)
        _drop_broken_connections()
        return unavailable_response(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an unavailable database that surfaced outside a view (a middleware, the
    session save) still gets the 503 page; anything else the plain 500 page (braintrial.errors,
    which cannot fail on the request that caused it)."""
    exception = sys.exc_info()[1]
    if isinstance(exception, UNAVAILABLE):
        _drop_broken_connections()
        return unavailable_response(request)
    return error_response(request, status=500)
