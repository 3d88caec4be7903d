"""Errors from the services become 400s with their message, like serializer errors."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from braintrial.items.services.parsing import ItemImportError
from scoring.services.queue import QueueUnavailable


class ServiceUnavailable(exceptions.APIException):
    status_code = 503
    default_code = "service_unavailable"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, ItemImportError):
        exc = exceptions.ValidationError(detail={"detail": str(exc)})
    elif isinstance(exc, QueueUnavailable):
        exc = ServiceUnavailable(detail=str(exc))
    return drf_exception_handler(exc, context)
