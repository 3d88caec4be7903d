"""Studies: list, create, detail, analysis summary, item import into the study's bank; one
class per operation."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from braintrial.api.base import ResearcherApi, WriteThrottled, researcher
from braintrial.api.data import download_record
from braintrial.api.filters import SinceFilter, list_filters_parse, since
from braintrial.api.permissions import CanCreateStudy
from braintrial.api.serializers import STUDY_FIELDS, StudyOutput
from braintrial.dashboard.services import study_report_served
from braintrial.items.models import Item
from braintrial.studies.item_import import items_import_into_study
from braintrial.studies.models import Study
from braintrial.studies.selectors import studies_for_researcher, study_get_for_researcher
from braintrial.studies.services import study_create_with_researcher


class StudyListApi(ResearcherApi, generics.ListAPIView):
    serializer_class = StudyOutput

    def get_queryset(self) -> Any:
        filters = list_filters_parse(request=self.request, serializer_class=SinceFilter)
        studies = studies_for_researcher(user=self.request.user).order_by("slug")
        updated_since = since(filters)
        return studies.filter(updated_at__gte=updated_since) if updated_since else studies

    @extend_schema(parameters=[SinceFilter], summary="Your studies")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class StudyCreateApi(WriteThrottled, APIView):
    permission_classes = [CanCreateStudy]

    class StudyCreateInput(serializers.ModelSerializer):
        class Meta:
            model = Study
            fields = STUDY_FIELDS

    @extend_schema(request=StudyCreateInput, responses={201: StudyOutput}, summary="Create a study")
    def post(self, request: Request) -> Response:
        data = self.StudyCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        study = study_create_with_researcher(
            creator=researcher(request), fields=dict(data.validated_data)
        )
        return Response(StudyOutput(study).data, status=status.HTTP_201_CREATED)


class StudyDetailApi(ResearcherApi):
    @extend_schema(responses=StudyOutput, summary="One study")
    def get(self, request: Request, slug: str) -> Response:
        study = study_get_for_researcher(user=request.user, slug=slug)
        return Response(StudyOutput(study).data)


class StudySummaryApi(ResearcherApi):
    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        summary="Analysis summary",
        description="Every figure of the study's analysis under its own exclusion rules (the "
        "numbers the dashboard shows; `python manage.py report --json` prints the same), served "
        "from the report the background worker keeps, as the dashboard is. The header "
        "`X-Report-State` says `current`, or `updating`/`fitting` while a newer one is computed; "
        "202 with `Retry-After` while none is ready yet.",
    )
    def get(self, request: Request, slug: str) -> Response:
        study = study_get_for_researcher(user=request.user, slug=slug)
        download_record(request, studies=[study], filters={})
        served = study_report_served(study=study)
        headers = {"X-Report-State": served["state"]}
        if served["report"] is None:
            detail = "The report is being computed in the background; ask again in a few seconds."
            return Response({"detail": detail}, status=202, headers={**headers, "Retry-After": "5"})
        return Response(served["report"], headers=headers)


class ItemImportApi(WriteThrottled, ResearcherApi):
    parser_classes = [MultiPartParser, FormParser]

    class ItemImportInput(serializers.Serializer):
        file = serializers.FileField(help_text="Test-case CSV, same columns as BrainBench's.")
        source = serializers.ChoiceField(choices=Item.Source.choices)  # type: ignore[assignment]

    class ItemImportOutput(serializers.Serializer):
        bank = serializers.CharField()
        source_file = serializers.CharField()
        created = serializers.IntegerField()
        updated = serializers.IntegerField()
        unchanged = serializers.IntegerField()
        defects = serializers.ListField(child=serializers.CharField())

    @extend_schema(
        request={"multipart/form-data": ItemImportInput},
        responses={201: ItemImportOutput},
        summary="Import items into the study's bank",
        description="All or nothing: a file with any invalid row imports nothing (400 with "
        "the file and row). Re-importing the same file changes nothing.",
    )
    def post(self, request: Request, slug: str) -> Response:
        study = study_get_for_researcher(user=request.user, slug=slug)
        data = self.ItemImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        report = items_import_into_study(
            user=researcher(request), study=study, upload=upload, name=upload.name,
            source=data.validated_data["source"],
        )  # fmt: skip
        return Response(self.ItemImportOutput(report).data, status=status.HTTP_201_CREATED)
