"""Response headers and request limits that protect participants and researchers.

The Content-Security-Policy comes from django-csp (settings.CONTENT_SECURITY_POLICY); what is
here is this project's own: researcher data kept out of shared caches, and participant pages
that take only their own small forms.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers

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
    """Participant pages take only small url-encoded forms: any other POST body (a multipart
    upload above all, which Django would spool to disk) is refused with 415 before anything,
    the CSRF check included, parses it. Place it before CsrfViewMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
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
        return self.get_response(request)
