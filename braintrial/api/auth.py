"""Token login for scripts: POST username and password, get the token for the
``Authorization: Token <key>`` header. Throttled (``login`` rate) against password guessing."""

from __future__ import annotations

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import ScopedRateThrottle


class TokenObtainApi(ObtainAuthToken):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"
