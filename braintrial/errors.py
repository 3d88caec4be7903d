"""Error pages that cannot fail on the request that caused them.

Django's own handlers are wrapped in ``requires_csrf_token``, which runs the CSRF check on the
request, and so reads its body again: a body that could not be parsed the first time fails
again in the handler and ends as a bare 500. These pages read nothing from the request but its
path and headers, take nothing from the database, and render without context processors.
"""

from __future__ import annotations

import logging
import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

TITLES = {
    400: _("The request could not be read"),
    403: _("Not allowed"),
    404: _("Page not found"),
    413: _("The request is too large"),
    500: _("Something went wrong"),
}
MESSAGES = {
    400: _(
        "The page sent something the server cannot read. Go back, reload the page and try "
        "again; nothing was recorded."
    ),
    403: _(
        "You may not open this page, or the form was out of date. Reload the page and try "
        "again; nothing was recorded."
    ),
    404: _("There is nothing at this address. Check the link you were given."),
    413: _("The page sent more than the server accepts. Nothing was recorded."),
    500: _(
        "The server could not answer. Please try again in a moment; if it happens again, "
        "tell the researcher who sent you the link."
    ),
}


def _wants_json(request: HttpRequest) -> bool:
    accept = request.META.get("HTTP_ACCEPT", "")
    return request.path.startswith("/api/") or (
        "application/json" in accept and "text/html" not in accept
    )


def error_response(request: HttpRequest, *, status: int, reason: str = "") -> HttpResponse:
    """The error page (or JSON under /api/) for ``status``, built without the request's body,
    session, user or database."""
    fallback = 500 if status >= 500 else 400
    title = str(TITLES.get(status, TITLES[fallback]))
    message = str(reason or MESSAGES.get(status, MESSAGES[fallback]))
    if _wants_json(request):
        response: HttpResponse = JsonResponse({"detail": message}, status=status)
    else:
        try:
            body: str = render_to_string("error.html", {"title": title, "message": message})
        except Exception:  # the page of last resort: an error here must not become a 500
            logger.exception("The error page could not be rendered")
            body = str(escape(title))
        response = HttpResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, status=404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form without its CSRF token (an old page, or a post from another site)."""
    message = _(
        "This form was out of date or did not come from this site. Go back, reload the page "
        "and send it again; nothing was recorded."
    )
    return error_response(request, status=403, reason=str(message))


def server_error(request: HttpRequest) -> HttpResponse:
    exception = sys.exc_info()[1]
    if exception is not None:
        logger.debug("500 page for %s", type(exception).__name__)
    return error_response(request, status=500)
