"""Content-Security-Policy: pages load scripts, styles and data only from this site.

An injected <script> or a script from elsewhere does not run, so a participant's answers and a
researcher's data cannot be read out by a third party even if some text were ever rendered
unescaped. The pages are built for it: no inline scripts, plotly.js served from this site.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # plotly.js sets style attributes and writes <style> elements as it draws.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """Sets the policy on every response not already carrying one, except under the path
    prefixes of settings.CSP_EXEMPT_PATHS (third-party pages with inline scripts)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        exempt = tuple(getattr(settings, "CSP_EXEMPT_PATHS", ()))
        if "Content-Security-Policy" not in response and not request.path.startswith(exempt):
            response["Content-Security-Policy"] = POLICY
        return response
