"""The request limit of the public pages: per client network (braintrial.net, the one reader
of the address), counted in the cache by REST framework's throttle, as the API's limits are."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from rest_framework.throttling import SimpleRateThrottle

from braintrial.net import address_network, client_address


class PublicRateThrottle(SimpleRateThrottle):
    """``PUBLIC_RATE`` requests (settings.REST_FRAMEWORK's "public" rate) per network."""

    scope = "public"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        address = client_address(request)
        network = address_network(address)
        return self.cache_format % {"scope": self.scope, "ident": network or address}


def public_request_allowed(request: HttpRequest) -> tuple[bool, float | None]:
    """Whether the request is within the limit, and else after how many seconds to retry."""
    throttle = PublicRateThrottle()
    # The throttle reads only the request's META and the cache: a plain request serves.
    if throttle.allow_request(request, None):  # type: ignore[arg-type]
        return True, None
    return False, throttle.wait()
