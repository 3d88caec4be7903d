"""Behaviour shared by the API classes."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle

from braintrial.api.permissions import IsResearcher


class ResearcherApi:
    """Token or session auth (the defaults), researchers only."""

    permission_classes = [IsResearcher]


class WriteThrottled:
    """Writes count against the ``write`` rate (settings.REST_FRAMEWORK); reads are free."""

    throttle_scope = "write"

    def get_throttles(self) -> list[BaseThrottle]:
        request: Any = getattr(self, "request", None)
        if request is not None and request.method in SAFE_METHODS:
            return []
        return [ScopedRateThrottle()]
