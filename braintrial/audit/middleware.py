"""django-auditlog's middleware with the client address as braintrial.net reads it, and the
request's researcher for the events braintrial.audit records."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from auditlog.middleware import AuditlogMiddleware
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse

from braintrial.net import client_address

# The logged-in user of the request in progress; reset when the request ends, so that nothing
# run later in the same thread is put down to them.
request_actor: ContextVar[User | None] = ContextVar("braintrial_audit_actor", default=None)


class AuditMiddleware(AuditlogMiddleware):
    """Names the request's user and address on the entries written while it runs.

    The library's own reading takes the first X-Forwarded-For entry, which any client can
    write; braintrial.net trusts only the proxies that NUM_PROXIES counts.
    """

    get_response: Callable[[HttpRequest], HttpResponse]

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        return client_address(request) or None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        actor = user if isinstance(user, User) and user.is_authenticated else None
        token = request_actor.set(actor)
        try:
            response: HttpResponse = super().__call__(request)
        finally:
            request_actor.reset(token)
        return response
