"""django-auditlog's middleware with the client address as braintrial.net reads it."""

from __future__ import annotations

from auditlog.middleware import AuditlogMiddleware
from django.http import HttpRequest

from braintrial.net import client_address


class AuditMiddleware(AuditlogMiddleware):
    """Names the request's user and address on the entries written while it runs.

    The library's own reading takes the first X-Forwarded-For entry, which any client can
    write; braintrial.net trusts only the proxies that NUM_PROXIES counts.
    """

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        return client_address(request) or None
