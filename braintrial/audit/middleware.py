"""The request's researcher, for the audit entries written while the request runs.

Nothing else of the request reaches the log. django-auditlog's own middleware (not used) puts
the client address, the client-sent ``X-Forwarded-Port`` and ``X-Correlation-ID`` on every
entry; a participant's withdrawal would then keep their address for good, beyond any purge.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse

# The logged-in user of the request in progress; reset when the request ends, so that nothing
# run later in the same thread is put down to them.
request_actor: ContextVar[User | None] = ContextVar("braintrial_audit_actor", default=None)


class AuditMiddleware:
    """Names the request's logged-in user on the entries written while it runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        actor = user if isinstance(user, User) and user.is_authenticated else None
        token = request_actor.set(actor)
        try:
            return self.get_response(request)
        finally:
            request_actor.reset(token)
