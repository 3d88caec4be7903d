"""The API's front door at /api/: what it offers and where it is documented.

Open to anyone, like the schema and the docs: it lists addresses, never data. DRF renders it
as JSON for programs and as the browsable page for a browser.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

# (name in the index, URL name, what it is); the order a newcomer reads them in.
ENDPOINTS = (
    ("docs", "api:docs", "Interactive documentation of every endpoint (Swagger UI)."),
    ("schema", "api:schema", "The OpenAPI 3 schema (YAML; ?format=json for JSON)."),
    ("token", "api:token", "POST username and password for a token (Authorization: Token ...)."),
    ("studies", "api:studies", "Your studies."),
    ("study_create", "api:study_create", "POST a new study."),
    ("items", "api:items", "Test items of your studies' banks."),
    ("participants", "api:participants", "Participants of your studies."),
    ("trials", "api:trials", "Trials (answers) of your studies."),
    ("scorers", "api:scorers", "Language-model configurations."),
    ("runs", "api:runs", "Scoring runs and their progress."),
    ("run_start", "api:run_start", "POST to start a scoring run."),
    ("scores", "api:scores", "Model scores of your studies' items."),
    ("submissions", "api:submissions", "Your model submissions and where they stand."),
    ("submission_create", "api:submission_create", "POST a model for the operator to approve."),
)


class ApiRootApi(APIView):
    """The index of the API: each endpoint's absolute address and what it serves."""

    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        return Response(
            {
                "name": "braintrial API",
                "endpoints": {
                    name: {"url": reverse(url_name, request=request), "description": text}
                    for name, url_name, text in ENDPOINTS
                },
                "per_study": "studies/<slug>/ (detail), studies/<slug>/summary/, "
                "studies/<slug>/items/import/; filter lists with ?study=<slug>.",
            }
        )
