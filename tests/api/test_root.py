"""/api/, the address the README gives, is an index of the API, not a 404."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_api_root_lists_the_endpoints_with_docs_and_schema(client):
    response = client.get("/api/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    endpoints = response.json()["endpoints"]
    assert endpoints["docs"]["url"] == "http://testserver/api/docs/"
    assert endpoints["schema"]["url"] == "http://testserver/api/schema/"
    for name in ("studies", "trials", "runs", "scores", "token"):
        url = endpoints[name]["url"]
        assert url.startswith("http://testserver/api/") and endpoints[name]["description"]
        # Every listed address answers (the lists ask for a login), none is a 404.
        assert client.get(url).status_code in (200, 401, 403, 405)


def test_api_root_is_browsable_in_a_browser(client):
    response = client.get("/api/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"/api/docs/" in response.content and b"braintrial API" in response.content
