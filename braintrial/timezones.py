"""Times shown in the researcher's own time zone, with the zone named.

The dashboard's script stores the browser's IANA zone (``Intl.DateTimeFormat``) in a cookie once;
this middleware activates it for every request of that browser (the dashboard and the admin),
so templates and ``timezone.localtime`` show local times. Without the cookie, or with a name
that is no IANA zone, times are shown in TIME_ZONE_DISPLAY (default: UTC). Stored times and
the CSV files stay UTC (ISO 8601 with Z).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

TIME_ZONE_COOKIE = "bt_tz"
# An IANA name is short; anything longer is not worth a lookup.
MAX_NAME = 64


@lru_cache(maxsize=1)
def zone_names() -> frozenset[str]:
    """The IANA zone names installed, read once per process: ``available_timezones`` walks the
    zone folders on each call (a made-up cookie value per request cost 27 ms of it)."""
    return frozenset(zoneinfo.available_timezones())


@lru_cache(maxsize=256)
def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    if not name or len(name) > MAX_NAME or name not in zone_names():
        return None
    return zoneinfo.ZoneInfo(name)


def display_zone(request: HttpRequest) -> zoneinfo.ZoneInfo:
    """The zone to show this request's times in: the browser's, else TIME_ZONE_DISPLAY."""
    chosen = _zone(request.COOKIES.get(TIME_ZONE_COOKIE, ""))
    return chosen or zoneinfo.ZoneInfo(settings.TIME_ZONE_DISPLAY)


class DisplayTimeZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if _zone(settings.TIME_ZONE_DISPLAY) is None:  # refused at start, not on each page
            raise ImproperlyConfigured(
                f"TIME_ZONE_DISPLAY={settings.TIME_ZONE_DISPLAY!r}: no IANA zone"
            )
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timezone.activate(display_zone(request))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
