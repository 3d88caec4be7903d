"""Query-string filters shared by the list endpoints, validated like any other input."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.request import Request

from braintrial.studies.models import Study
from braintrial.studies.selectors import studies_for_researcher, study_get_for_researcher


class SinceFilter(serializers.Serializer):
    updated_since = serializers.DateTimeField(
        required=False,
        help_text="ISO 8601 date-time (UTC if no offset is given): only rows created or "
        "changed at or after it, for incremental pulls.",
    )


class ListFilters(SinceFilter):
    study = serializers.SlugField(
        required=False, max_length=64, help_text="Only this study (its slug)."
    )


class ScoreFilters(ListFilters):
    scorer = serializers.SlugField(required=False, max_length=100, help_text="Scorer name.")


def list_filters_parse(
    *, request: Request, serializer_class: type[serializers.Serializer] = ListFilters
) -> dict[str, Any]:
    """The validated filters; raises ValidationError (400) naming the bad parameter."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def filter_studies(
    *, user: AbstractBaseUser | AnonymousUser, filters: dict[str, Any]
) -> QuerySet[Study]:
    """The studies a list covers: the one asked for (through the gatekeeper, 404 if it is not
    the user's) or all the user's studies."""
    slug = filters.get("study")
    if slug is None:
        return studies_for_researcher(user=user)
    study = study_get_for_researcher(user=user, slug=slug)
    return Study.objects.filter(pk=study.pk)


def since(filters: dict[str, Any]) -> datetime | None:
    return filters.get("updated_since")
