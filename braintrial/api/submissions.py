"""Model submissions: a lab's own list, a new submission, one submission with its log.

Open to any logged-in account (a lab that submits models is not a researcher of a study);
submitting needs ``scoring.submit_model`` (scoring.services.submissions), and a submission is
only ever read through the gatekeeper scoring.selectors.model_submission_get_for_user.
Approving and rejecting stay on the operator's dashboard pages.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from braintrial.api.base import WriteThrottled
from scoring.models import ModelSubmission
from scoring.selectors import (
    model_submission_get_for_user,
    model_submission_log,
    model_submissions_for_user,
)
from scoring.services.submissions import model_submission_create


class SubmissionOutput(serializers.ModelSerializer):
    state = serializers.CharField(read_only=True, help_text="submitted, rejected, queued, ...")
    n_done = serializers.IntegerField(source="run.n_done", read_only=True, allow_null=True)
    n_total = serializers.IntegerField(source="run.n_total", read_only=True, allow_null=True)

    class Meta:
        model = ModelSubmission
        fields = [
            "id", "display_name", "hub_id", "revision", "local_path", "license",
            "card_license", "model_type", "weight_bytes", "state", "reason", "n_done",
            "n_total", "created_at", "decided_at",
        ]  # fmt: skip
        read_only_fields = fields


class SubmissionDetailOutput(SubmissionOutput):
    log = serializers.SerializerMethodField()

    class Meta(SubmissionOutput.Meta):
        fields = [*SubmissionOutput.Meta.fields, "log"]
        read_only_fields = fields

    def get_log(self, submission: ModelSubmission) -> list[dict[str, Any]]:
        lines = model_submission_log(submission=submission)
        return [{"at": line.at.isoformat(), "text": line.text} for line in lines]


class SubmissionListApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = SubmissionOutput

    def get_queryset(self) -> Any:
        return model_submissions_for_user(user=self.request.user)


class SubmissionCreateApi(WriteThrottled, APIView):
    permission_classes = [IsAuthenticated]

    class SubmissionInput(serializers.Serializer):
        hub_id = serializers.CharField(max_length=200, required=False, default="")
        revision = serializers.CharField(max_length=100, required=False, default="")
        local_path = serializers.CharField(max_length=500, required=False, default="")
        license = serializers.CharField(max_length=100)
        display_name = serializers.CharField(max_length=200, required=False, default="")

    @extend_schema(
        request=SubmissionInput, responses={201: SubmissionOutput}, summary="Submit a model"
    )
    def post(self, request: Request) -> Response:
        data = self.SubmissionInput(data=request.data)
        data.is_valid(raise_exception=True)
        submission = model_submission_create(user=request.user, **data.validated_data)
        return Response(SubmissionOutput(submission).data, status=status.HTTP_201_CREATED)


class SubmissionDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=SubmissionDetailOutput, summary="One model submission and its log")
    def get(self, request: Request, submission_id: int) -> Response:
        submission = model_submission_get_for_user(user=request.user, submission_id=submission_id)
        return Response(SubmissionDetailOutput(submission).data)
