"""Read endpoints for a study's data: items, participants, trials (paginated, filtered)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from braintrial.analysis.rules import (
    participant_rule_reasons,
    reasons_annotate,
    trial_exclusion_reasons,
)
from braintrial.api.base import ResearcherApi
from braintrial.api.filters import ListFilters, filter_studies, list_filters_parse, since
from braintrial.api.serializers import ItemOutput, ParticipantOutput, TrialOutput
from braintrial.audit.services import audit_download_record
from braintrial.participants.selectors import (
    item_get_for_researcher,
    items_for_researcher,
    participants_for_studies,
    studies_of_item,
    trials_for_studies,
)
from braintrial.studies.heldout import items_withheld_ids
from braintrial.studies.models import Study
from braintrial.studies.selectors import studies_for_researcher


def download_record(request: Request, *, studies: Iterable[Study], filters: dict[str, Any]) -> None:
    """A data download in the audit trail, for every study it covers. Of the query string only
    the validated filters are kept: whatever else a client appends (a recruitment id, say)
    would stay in the log for good, beyond every purge of identifiers."""
    kept = {name: filters[name] for name in ("study", "updated_since", "scorer") if name in filters}
    audit_download_record(
        actor=request.user,
        studies=studies,
        what=f"api {request.path}",
        options={"filters": {k: str(v) for k, v in kept.items()}},
    )


class FilteredListApi(ResearcherApi, generics.ListAPIView):
    """A list over the researcher's studies, or the one named by ``?study=``. Each page served
    is a data download, recorded in the audit trail for every study it covers."""

    filter_class: type[serializers.Serializer] = ListFilters

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        filters = list_filters_parse(request=self.request, serializer_class=self.filter_class)
        download_record(request, studies=filter_studies(user=request.user, filters=filters),
                        filters=filters)  # fmt: skip
        return response

    def filtered(self) -> tuple[Any, Any]:
        filters = list_filters_parse(request=self.request, serializer_class=self.filter_class)
        return filter_studies(user=self.request.user, filters=filters), since(filters)


@extend_schema_view(get=extend_schema(parameters=[ListFilters], summary="Items"))
class ItemListApi(FilteredListApi):
    serializer_class = ItemOutput

    def get_queryset(self) -> Any:
        studies, updated_since = self.filtered()
        return items_for_researcher(user=self.request.user, studies=studies, since=updated_since)

    def get_serializer_context(self) -> dict[str, Any]:
        withheld = items_withheld_ids(user=self.request.user)
        return {**super().get_serializer_context(), "withheld": withheld}


class ItemDetailApi(ResearcherApi):
    @extend_schema(responses=ItemOutput, summary="One item")
    def get(self, request: Request, item_id: int) -> Response:
        item = item_get_for_researcher(user=request.user, item_id=item_id)
        studies = studies_of_item(studies=studies_for_researcher(user=request.user), item=item)
        download_record(request, studies=studies, filters={})
        withheld = items_withheld_ids(user=request.user)
        return Response(ItemOutput(item, context={"withheld": withheld}).data)


@extend_schema_view(
    get=extend_schema(
        parameters=[ListFilters],
        summary="Participants",
        description=(
            "updated_since compares with updated_at, which every change to the participant "
            "moves (steps, completion, abandonment, withdrawal). excluded / excluded_by: the "
            "study's participant rules, as in participants.csv. A withdrawn participant is "
            "listed as a tombstone (status withdrawn, every answer and identifier empty) so that "
            "a copy made earlier can be erased too."
        ),
    )
)
class ParticipantListApi(FilteredListApi):
    serializer_class = ParticipantOutput

    def get_queryset(self) -> Any:
        studies, updated_since = self.filtered()
        people = participants_for_studies(studies=studies, since=updated_since)
        return reasons_annotate(people, reasons=list(participant_rule_reasons()))


@extend_schema_view(
    get=extend_schema(
        parameters=[ListFilters],
        summary="Trials",
        description="Every stored trial, answered or not, with its exclusion flags; "
        "excluded / excluded_by say whether and why the study's analysis leaves it out, as in "
        "trials.csv. updated_since compares with answered_at (shown_at while unanswered).",
    )
)
class TrialListApi(FilteredListApi):
    serializer_class = TrialOutput

    def get_queryset(self) -> Any:
        studies, updated_since = self.filtered()
        trials = trials_for_studies(studies=studies, since=updated_since)
        return reasons_annotate(trials, reasons=trial_exclusion_reasons())
