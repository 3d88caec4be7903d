"""Behaviour shared by the API classes."""

from __future__ import annotations

from django.contrib.auth.models import User
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from braintrial.api.permissions import IsResearcher


class ResearcherApi(APIView):
    """Token or session auth (the defaults), researchers only."""

    permission_classes = [IsResearcher]


class WriteThrottled(APIView):
    """Writes count against the ``write`` rate (settings.REST_FRAMEWORK); reads are free."""

    throttle_scope = "write"

    def get_throttles(self) -> list[BaseThrottle]:
        if self.request.method in SAFE_METHODS:
            return []
        return [ScopedRateThrottle()]


def researcher(request: Request) -> User:
    """The logged-in user of a request that passed the API's permission checks."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user
