"""Scorers, scoring runs (list, start, detail) and item scores: one class per operation."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from braintrial.api.base import ResearcherApi, WriteThrottled, researcher
from braintrial.api.data import FilteredListApi
from braintrial.api.filters import (
    ListFilters,
    ScoreFilters,
    SinceFilter,
    filter_studies,
    list_filters_parse,
    since,
)
from braintrial.api.serializers import ItemScoreOutput, ScorerOutput, ScoreRunOutput
from braintrial.studies.selectors import study_get_for_researcher
from scoring.selectors import (
    score_run_get_for_researcher,
    score_runs_for_researcher,
    scorer_get_by_name,
    scorer_list,
    scores_for_studies,
)
from scoring.services.start import score_run_start


@extend_schema_view(get=extend_schema(parameters=[SinceFilter], summary="Scorers"))
class ScorerListApi(ResearcherApi, generics.ListAPIView):
    serializer_class = ScorerOutput

    def get_queryset(self) -> Any:
        filters = list_filters_parse(request=self.request, serializer_class=SinceFilter)
        return scorer_list(since=since(filters))


@extend_schema_view(
    get=extend_schema(
        parameters=[ListFilters],
        summary="Scoring runs",
        description="Without ?study=, your studies' runs and the runs over the whole bank.",
    )
)
class RunListApi(FilteredListApi):
    serializer_class = ScoreRunOutput

    def get_queryset(self) -> Any:
        filters = list_filters_parse(request=self.request)
        studies = filter_studies(user=self.request.user, filters=filters)
        scoped = studies if "study" in filters else None
        return score_runs_for_researcher(
            user=self.request.user, studies=scoped, since=since(filters)
        )


class RunStartApi(WriteThrottled, ResearcherApi):
    class RunStartInput(serializers.Serializer):
        scorer = serializers.SlugField(max_length=100, help_text="Scorer name.")
        study = serializers.SlugField(
            max_length=64, required=False, allow_null=True,
            help_text="Score this study's items; null (staff only) scores the whole bank.",
        )  # fmt: skip
        limit = serializers.IntegerField(
            required=False, allow_null=True, min_value=1, max_value=1_000_000,
            help_text="Score at most this many items.",
        )  # fmt: skip

    @extend_schema(
        request=RunStartInput, responses={201: ScoreRunOutput}, summary="Start a scoring run"
    )
    def post(self, request: Request) -> Response:
        data = self.RunStartInput(data=request.data)
        data.is_valid(raise_exception=True)
        slug = data.validated_data.get("study")
        study = study_get_for_researcher(user=request.user, slug=slug) if slug else None
        run = score_run_start(
            user=researcher(request), scorer=scorer_get_by_name(name=data.validated_data["scorer"]),
            study=study, limit=data.validated_data.get("limit"),
        )  # fmt: skip
        return Response(ScoreRunOutput(run).data, status=status.HTTP_201_CREATED)


class RunDetailApi(ResearcherApi):
    @extend_schema(responses=ScoreRunOutput, summary="One scoring run (poll for progress)")
    def get(self, request: Request, run_id: int) -> Response:
        run = score_run_get_for_researcher(user=request.user, run_id=run_id)
        return Response(ScoreRunOutput(run).data)


@extend_schema_view(
    get=extend_schema(
        parameters=[ScoreFilters],
        summary="Item scores",
        description="Valid scores only (the rule of scoring.selectors.score_valid_q): every "
        "published score, and a scorer's scores under its current configuration on the items of "
        "its succeeded runs of that configuration. updated_since compares with created_at.",
    )
)
class ScoreListApi(FilteredListApi):
    serializer_class = ItemScoreOutput
    filter_class = ScoreFilters

    def get_queryset(self) -> Any:
        filters = list_filters_parse(request=self.request, serializer_class=ScoreFilters)
        studies = filter_studies(user=self.request.user, filters=filters)
        return scores_for_studies(
            studies=studies, scorer=filters.get("scorer"), since=since(filters)
        )
