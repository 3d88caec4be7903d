"""Write endpoints: create a study, import items, start a scoring run; throttling."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from braintrial.items.models import Item
from braintrial.studies.models import Study
from scoring.models import Scorer, ScoreRun
from tests.factories import study_editor_grant, user_make

pytestmark = pytest.mark.django_db

GOOD_CSV = (
    "doi,journal_section,original_abstract,incorrect_abstract\n"
    "10.1/a,Systems/Circuits,Neurons fired more.,Neurons fired less.\n"
    '10.1/b,Behavioral/Cognitive,"Mice, rested, learned faster.","Mice, rested, learned slower."\n'
)


@pytest.fixture
def study_editors(world) -> None:
    """Both teams' researchers set up their own studies (items included)."""
    for made in (world.alpha, world.beta):
        study_editor_grant(made.researcher)


def csv_upload(text: str, name: str = "lab.csv") -> dict:
    return {"file": SimpleUploadedFile(name, text.encode(), "text/csv"), "source": "human"}


def test_staff_creates_a_study_and_is_named_on_it(world):
    client = world.client_for("staff")
    response = client.post(
        "/api/studies/create/",
        {"slug": "gamma", "title": "Gamma", "n_gpt4_trials": 0},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["n_gpt4_trials"] == 0
    study = Study.objects.get(slug="gamma")
    assert list(study.researchers.all()) == [world.staff]


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"slug": "alpha", "title": "Again"}, "slug"),
        ({"slug": "has space", "title": "x"}, "slug"),
        ({"slug": "ok", "title": "x", "n_human_trials": 51}, "n_human_trials"),
        ({"slug": "ok", "title": "x\x00"}, "title"),
        ({"slug": "ok"}, "title"),
        ({"slug": "ok", "title": "x", "abandon_after_minutes": 1}, "abandon_after_minutes"),
    ],
)
def test_invalid_study_is_a_400_naming_the_field_and_nothing_is_stored(world, payload, field):
    response = world.client_for("staff").post("/api/studies/create/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Study.objects.count() == 2


def test_study_without_trials_is_refused_by_the_models_constraint(world):
    payload = {"slug": "empty", "title": "x", "n_human_trials": 0, "n_gpt4_trials": 0}
    response = world.client_for("staff").post("/api/studies/create/", payload, format="json")
    assert response.status_code == 400
    assert not Study.objects.filter(slug="empty").exists()


def test_researcher_with_the_add_permission_may_create(world):
    from django.contrib.auth.models import Permission

    world.beta.researcher.user_permissions.add(Permission.objects.get(codename="add_study"))
    response = world.client_for("other").post(
        "/api/studies/create/", {"slug": "delta", "title": "Delta"}, format="json"
    )
    assert response.status_code == 201


@pytest.mark.usefixtures("study_editors")
def test_import_items_into_the_studys_bank(world):
    client = world.client_for("own")
    response = client.post(
        "/api/studies/alpha/items/import/", csv_upload(GOOD_CSV), format="multipart"
    )
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 2
    assert Item.objects.filter(bank="bank-alpha", source_file="lab.csv").count() == 2
    again = client.post(
        "/api/studies/alpha/items/import/", csv_upload(GOOD_CSV), format="multipart"
    )
    assert again.json()["created"] == 0 and again.json()["unchanged"] == 2


@pytest.mark.parametrize(
    "text",
    [
        "doi,journal_section,original_abstract\n10.1/a,S,x\n",  # missing column
        GOOD_CSV + "10.1/c,S,Same text.,Same text.\n",  # identical versions
        GOOD_CSV + "10.1/d,S,,Altered.\n",  # empty abstract
    ],
)
@pytest.mark.usefixtures("study_editors")
def test_bad_item_file_is_a_400_with_the_reason_and_imports_nothing(world, text):
    response = world.client_for("own").post(
        "/api/studies/alpha/items/import/", csv_upload(text), format="multipart"
    )
    assert response.status_code == 400
    assert "lab.csv" in response.json()["detail"]
    assert not Item.objects.filter(source_file="lab.csv").exists()


def test_import_without_a_file_is_a_400(world):
    response = world.client_for("own").post(
        "/api/studies/alpha/items/import/", {"source": "human"}, format="multipart"
    )
    assert response.status_code == 400
    assert "file" in response.json()


@pytest.mark.usefixtures("study_editors")
def test_bank_owner_imports_although_another_team_has_a_study_on_the_bank(world):
    sharer = Study.objects.create(slug="sharer", title="Shares alpha's bank", bank="bank-alpha")
    sharer.researchers.add(world.beta.researcher)
    response = world.client_for("own").post(
        "/api/studies/alpha/items/import/", csv_upload(GOOD_CSV), format="multipart"
    )
    assert response.status_code == 201, response.content


@pytest.mark.usefixtures("study_editors")
def test_researcher_of_a_study_on_a_bank_they_do_not_own_may_not_import(world):
    world.alpha.study.researchers.add(world.beta.researcher)
    response = world.client_for("other").post(
        "/api/studies/alpha/items/import/", csv_upload(GOOD_CSV), format="multipart"
    )
    assert response.status_code == 403
    assert "belongs to another team" in response.json()["detail"]
    assert not Item.objects.filter(source_file="lab.csv").exists()


def test_start_a_scoring_run_over_the_studys_items(world):
    response = world.client_for("own").post(
        "/api/runs/start/", {"scorer": "tiny-local", "study": "alpha", "limit": 3}, format="json"
    )
    assert response.status_code == 201, response.content
    run = ScoreRun.objects.get(pk=response.json()["id"])
    assert (run.study, run.n_total, run.status) == (world.alpha.study, 3, "queued")


@pytest.mark.parametrize(
    "payload,message",
    [
        ({"scorer": "nope", "study": "alpha"}, "No scorer named 'nope'"),
        ({"scorer": "factory-model", "study": "alpha"}, "cannot run"),
        ({"scorer": "tiny-local", "study": "alpha", "limit": 0}, "limit"),
        ({"study": "alpha"}, "scorer"),
    ],
)
def test_refused_run_is_a_400_and_stores_nothing(world, payload, message):
    response = world.client_for("own").post("/api/runs/start/", payload, format="json")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ScoreRun.objects.exists()


def test_whole_bank_runs_are_for_staff(world):
    response = world.client_for("own").post(
        "/api/runs/start/", {"scorer": "tiny-local", "study": None}, format="json"
    )
    assert response.status_code == 403
    assert (
        world.client_for("staff")
        .post("/api/runs/start/", {"scorer": "tiny-local", "limit": 2}, format="json")
        .status_code
        == 201
    )


def test_token_login_returns_a_token_that_works(world):
    world.alpha.study.researchers.add(user_make("scripter", password="a-long-test-password"))
    client = APIClient()
    bad = client.post("/api/auth/token/", {"username": "scripter", "password": "wrong"})
    assert bad.status_code == 400
    good = client.post(
        "/api/auth/token/", {"username": "scripter", "password": "a-long-test-password"}
    )
    assert good.status_code == 200
    assert len(good.json()["token"]) == 40


def test_login_is_throttled(world):
    client = APIClient()
    codes = [
        client.post("/api/auth/token/", {"username": "x", "password": "y"}).status_code
        for _ in range(11)
    ]
    # django-axes locks the address after five failures, before the hourly rate's tenth.
    assert codes == [400] * 4 + [429] * 7


def test_writes_are_throttled_but_reads_are_not(world, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "write", "2/min")
    client = world.client_for("own")
    codes = [
        client.post(
            "/api/runs/start/", {"scorer": "nope", "study": "alpha"}, format="json"
        ).status_code
        for _ in range(3)
    ]
    assert codes == [400, 400, 429]
    assert all(client.get("/api/runs/").status_code == 200 for _ in range(5))


def test_scorer_rows_are_listed(world):
    names = [s["name"] for s in world.client_for("own").get("/api/scorers/").json()["results"]]
    assert names == sorted(Scorer.objects.values_list("name", flat=True))


@pytest.mark.parametrize(
    "method,url",
    [("post", "/api/studies/"), ("post", "/api/runs/"), ("get", "/api/runs/start/")],
)
def test_list_paths_do_not_write_and_start_paths_do_not_list(world, method, url):
    response = getattr(world.client_for("staff"), method)(url, {}, format="json")
    assert response.status_code == 405
    assert not ScoreRun.objects.exists() and Study.objects.count() == 2
