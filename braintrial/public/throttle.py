"""The request limit of the public pages: per client network (braintrial.net, the one reader
of the address), counted in the cache by REST framework's throttle, as the API's limits are."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
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


View = Callable[..., HttpResponse]


def limited(view: View) -> View:
    """A view that refuses a network over the public limit with a 429, before reading anything."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        allowed, wait = public_request_allowed(request)
        if not allowed:
            response = HttpResponse(
                "Too many requests from your network; please try again shortly.",
                status=429,
                content_type="text/plain; charset=utf-8",
            )
            response["Retry-After"] = str(math.ceil(wait or 1))
            return response
        return view(request, *args, **kwargs)

    return wrapper
