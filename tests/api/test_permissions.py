"""Every endpoint against every kind of caller: anonymous, a participant (study cookie), the
researcher of another study, the study's own researcher, staff."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

pytestmark = pytest.mark.django_db

CSV = (
    "doi,journal_section,original_abstract,incorrect_abstract\n"
    "10.1/x,Systems/Circuits,Neurons fired more.,Neurons fired less.\n"
)


def study_payload(slug: str = "gamma") -> dict:
    return {"slug": slug, "title": "Gamma", "bank": "bank-gamma"}


def upload() -> dict:
    return {"file": SimpleUploadedFile("new.csv", CSV.encode(), "text/csv"), "source": "human"}


# (name, method, url, payload, format): every endpoint that serves data or writes.
READS_OF_ALPHA = [
    ("study", "/api/studies/alpha/"),
    ("summary", "/api/studies/alpha/summary/"),
    ("items of alpha", "/api/items/?study=alpha"),
    ("participants of alpha", "/api/participants/?study=alpha"),
    ("trials of alpha", "/api/trials/?study=alpha"),
    ("runs of alpha", "/api/runs/?study=alpha"),
    ("scores of alpha", "/api/scores/?study=alpha"),
]
LISTS = [
    "/api/studies/",
    "/api/items/",
    "/api/participants/",
    "/api/trials/",
    "/api/scorers/",
    "/api/runs/",
    "/api/scores/",
]
WRITES = [
    ("create study", "/api/studies/create/", study_payload, "json"),
    ("import items", "/api/studies/alpha/items/import/", upload, "multipart"),
    ("start run", "/api/runs/start/", lambda: {"scorer": "tiny-local", "study": "alpha"}, "json"),
]
ALL_URLS = [url for _, url in READS_OF_ALPHA] + LISTS + ["/api/items/1/", "/api/runs/1/"]


@pytest.mark.parametrize("actor", ["anonymous", "participant"])
@pytest.mark.parametrize("url", ALL_URLS)
def test_reads_need_a_researcher_login(world, actor, url):
    response = world.client_for(actor).get(url)
    assert response.status_code == 401
    assert "alpha" not in response.content.decode()


@pytest.mark.parametrize("actor", ["anonymous", "participant"])
@pytest.mark.parametrize("name,url,payload,fmt", WRITES)
def test_writes_need_a_researcher_login(world, actor, name, url, payload, fmt):
    response = world.client_for(actor).post(url, payload(), format=fmt)
    assert response.status_code == 401, name


@pytest.mark.parametrize("name,url", READS_OF_ALPHA)
def test_researcher_of_another_study_gets_404_for_its_data(world, name, url):
    response = world.client_for("other").get(url)
    assert response.status_code == 404, name


@pytest.mark.parametrize("url", LISTS)
def test_lists_hold_only_the_callers_studies(world, url):
    body = world.client_for("other").get(url).json()
    text = str(body)
    assert "alpha" not in text
    if url != "/api/scorers/" and url != "/api/runs/":
        assert body["count"] > 0, url


def test_other_researcher_cannot_reach_alphas_item_or_write_to_alpha(world):
    client = world.client_for("other")
    assert client.get(f"/api/items/{world.alpha.items[0].pk}/").status_code == 404
    response = client.post("/api/studies/alpha/items/import/", upload(), format="multipart")
    assert response.status_code == 404
    response = client.post(
        "/api/runs/start/", {"scorer": "tiny-local", "study": "alpha"}, format="json"
    )
    assert response.status_code == 404


def test_researcher_without_add_permission_cannot_create_a_study(world):
    response = world.client_for("other").post(
        "/api/studies/create/", study_payload(), format="json"
    )
    assert response.status_code == 403
    assert "Can add study" in response.json()["detail"]


def test_logged_in_user_without_studies_is_refused(world):
    from tests.api.conftest import token_client
    from tests.factories import user_make

    client = token_client(user_make("bystander"))
    assert client.get("/api/trials/").status_code == 403


@pytest.mark.parametrize("actor", ["own", "staff"])
@pytest.mark.parametrize("name,url", READS_OF_ALPHA)
def test_own_researcher_and_staff_read_alpha(world, actor, name, url):
    response = world.client_for(actor).get(url)
    assert response.status_code == 200, (name, response.content[:300])


@pytest.mark.parametrize("actor", ["own", "staff"])
def test_own_researcher_and_staff_fetch_single_objects(world, actor):
    client = world.client_for(actor)
    item = world.alpha.items[0]
    assert client.get(f"/api/items/{item.pk}/").json()["id"] == item.pk
    run = client.post("/api/runs/start/", {"scorer": "tiny-local", "study": "alpha"}, format="json")
    assert run.status_code == 201, run.content
    assert client.get(f"/api/runs/{run.json()['id']}/").json()["study"] == "alpha"


def test_staff_sees_every_study(world):
    body = world.client_for("staff").get("/api/studies/").json()
    assert {study["slug"] for study in body["results"]} == {"alpha", "beta"}


def test_session_login_works_like_a_token(world, client):
    client.force_login(world.alpha.researcher)
    response = client.get("/api/trials/?study=alpha")
    assert response.status_code == 200
    assert response.json()["count"] == len(world.alpha.trials)


def test_session_writes_need_the_csrf_token(world):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.staff)
    response = client.post("/api/studies/create/", study_payload(), format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
