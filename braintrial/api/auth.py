"""Token login for scripts: POST username and password, get the token for the
``Authorization: Token <key>`` header (the same one until it expires or the password changes:
braintrial.api.tokens).

Two guards against password guessing: the ``login`` rate (settings.REST_FRAMEWORK) per client
address, counted under the address braintrial.net finds (``NUM_PROXIES``), so a made-up
``X-Forwarded-For`` does not get a fresh count; and django-axes, which locks the address and
the username after repeated failures, as on the login pages.
"""

from __future__ import annotations

from typing import Any

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from braintrial.api.tokens import api_token_issue


class TokenObtainApi(ObtainAuthToken):
    # The framework's view names its own parsers; these are the project's (bounded JSON).
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES  # type: ignore[assignment]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            # The axes backend refused to check the password at all: say so, as a 429.
            if getattr(request, "axes_locked_out", False):
                raise Throttled(
                    detail="Too many failed log-ins for this user or from this address; "
                    "try again later."
                ) from None
            raise
        token = api_token_issue(user=serializer.validated_data["user"])
        return Response({"token": token.key})
