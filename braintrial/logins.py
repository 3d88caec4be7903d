"""Login throttling (django-axes): what a failure counts against, what a login resets, and how
long a lockout lasts. docs/security.md explains the choices and their limits.

* A failure counts against the client address and against the username tried; either one
  reaching ``AXES_FAILURE_LIMIT`` locks (settings: ``AXES_LOCKOUT_PARAMETERS``).
* A successful login resets only the failures against *that* username. Axes' own reset deletes
  every failure of the client's address too, so anyone with an account could guess another
  account's password forever: four guesses, a login to their own account, four more.
* The lockout lasts ``LOGIN_COOLOFF_MINUTES`` and doubles with each further lockout of the same
  username or address within ``LOGIN_BACKOFF_WINDOW_HOURS`` (capped at
  ``LOGIN_COOLOFF_MAX_HOURS``). Each lockout's end is stored with it (axes' attempt
  expirations), so a later request with a shorter cool-off cannot end it early.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db.models import Max, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone


def _username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    try:
        username = get_client_username(request, credentials)
    except Exception:  # an unreadable body has no username (and was refused before this)
        return None
    return str(username) if username else None


def login_failures_recent(*, request: HttpRequest | None) -> int:
    """Failures logged in the back-off window against the request's username (since its last
    successful login) or from its address, whichever is more; the current one not included."""
    if request is None:
        return 0
    now = timezone.now()
    since = now - timedelta(hours=settings.LOGIN_BACKOFF_WINDOW_HOURS)
    counts = [0]
    username = _username(request, getattr(request, "axes_credentials", None))
    if username:
        last_login = AccessLog.objects.filter(username=username).aggregate(t=Max("attempt_time"))
        start = max(since, last_login["t"] or since)
        logged = AccessFailureLog.objects.filter(username=username, attempt_time__gt=start)
        counts.append(logged.count())
    address = getattr(request, "axes_ip_address", None)
    if address:
        counts.append(
            AccessFailureLog.objects.filter(ip_address=address, attempt_time__gt=since).count()
        )
    return max(counts)


def login_username_locked(*, username: str) -> bool:
    """Whether the user name's own failures lock it now (not merely its client's address)."""
    failures = AccessAttempt.objects.filter(
        username=username, expiration__expires_at__gt=timezone.now()
    ).aggregate(n=Sum("failures_since_start"))["n"]
    return (failures or 0) >= settings.AXES_FAILURE_LIMIT


def login_cool_off(request: HttpRequest | None = None) -> timedelta:
    """AXES_COOLOFF_TIME: the base cool-off, doubled for each lockout already earned in the
    back-off window (every ``AXES_FAILURE_LIMIT`` failures), at most the cap."""
    base = timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)
    cap = timedelta(hours=settings.LOGIN_COOLOFF_MAX_HOURS)
    earned = login_failures_recent(request=request) // max(1, settings.AXES_FAILURE_LIMIT)
    if earned > 32:  # 2**32 times any base is past any cap
        return cap
    return min(cap, base * 2**earned)


class LoginAttemptHandler(AxesDatabaseHandler):
    """Axes' database handler with a login resetting only its own username's failures, and
    failures counting until the end stored with them (see the module docstring)."""

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        username = _username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return int(count)

    def get_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> list[QuerySet[AccessAttempt]]:
        now = timezone.now()
        return [
            attempts.filter(expiration__expires_at__gt=now)
            for attempts in self.filter_user_attempts(request, credentials)
        ]
