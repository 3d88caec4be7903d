"""The OpenAPI schema validates, the docs page works offline, and fuzzing every operation
with a researcher's token finds no server error."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

pytestmark = pytest.mark.django_db


def test_schema_validates_without_warnings():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert "/api/trials/" in out.getvalue()


def test_schema_is_served_to_anyone(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/studies/", "/api/trials/", "/api/runs/", "/api/auth/token/"):
        assert path in paths


@pytest.mark.parametrize(
    "path,method",
    [
        ("/api/studies/", "get"),
        ("/api/studies/create/", "post"),
        ("/api/runs/", "get"),
        ("/api/runs/start/", "post"),
    ],
)
def test_each_list_and_write_is_its_own_operation(client, path, method):
    """Lists only read and writes have their own path: one API class per operation."""
    operations = client.get("/api/schema/?format=json").json()["paths"][path]
    assert set(operations) - {"parameters"} == {method}


def test_docs_page_loads_swagger_from_our_own_static_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn." not in page and "unpkg" not in page


schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture
def researcher_headers(world) -> Iterator[dict[str, str]]:
    """The own researcher of ``alpha`` (data, scorer and items exist to be found).

    The app is called through WSGI inside the test's transaction: like Django's test client,
    keep the request signals from closing the database connection after each request.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    token = Token.objects.create(user=world.alpha.researcher)
    yield {"Authorization": f"Token {token.key}"}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    # The profile's count (tests/conftest.py: 4 in `make test`, 200 with HYPOTHESIS_PROFILE=
    # thorough), the same examples each run; the malformed-request tests send the hostile ones.
    max_examples=settings.default.max_examples,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_operation_gives_a_server_error(case, researcher_headers):
    case.call_and_validate(
        headers=researcher_headers, checks=[not_a_server_error, response_schema_conformance]
    )
