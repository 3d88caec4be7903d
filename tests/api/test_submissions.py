"""The submission API: a lab submits and reads its own submissions, nobody else's."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from scoring.models import ModelSubmission
from scoring.services.submissions import model_submission_hub_create
from tests.api.conftest import token_client
from tests.factories import user_make

pytestmark = pytest.mark.django_db
SHA = "89abcdef0123456789abcdef0123456789abcdef"


def lab_make(username: str = "lab"):  # type: ignore[no-untyped-def]
    user = user_make(username)
    user.user_permissions.add(Permission.objects.get(codename="submit_model"))
    return user


def test_a_lab_submits_and_reads_its_submission_with_its_log() -> None:
    client = token_client(lab_make())
    data = {"hub_id": "my-lab/neuro-1b", "revision": SHA, "license": "apache-2.0"}
    response = client.post("/api/submissions/create/", data, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "submitted" and response.json()["n_done"] is None
    submission_id = response.json()["id"]
    detail = client.get(f"/api/submissions/{submission_id}/").json()
    assert detail["log"][0]["text"] == f"Submitted: my-lab/neuro-1b@{SHA}."
    assert [row["id"] for row in client.get("/api/submissions/").json()["results"]] == [
        submission_id
    ]


@pytest.mark.parametrize(
    ("who", "status", "message"),
    [("no permission", 403, "may not submit models"), ("anonymous", 401, "")],
)
def test_a_submission_without_the_permission_is_refused(who, status, message) -> None:
    from rest_framework.test import APIClient

    client = token_client(user_make("researcher")) if who != "anonymous" else APIClient()
    data = {"hub_id": "a/b", "revision": "v1", "license": "mit"}
    response = client.post("/api/submissions/create/", data, format="json")
    assert response.status_code == status
    assert message in response.content.decode()
    assert not ModelSubmission.objects.exists()


def test_the_same_revision_twice_is_a_400_with_the_reason() -> None:
    client = token_client(lab_make())
    data = {"hub_id": "a/b", "revision": "v1", "license": "mit"}
    assert client.post("/api/submissions/create/", data, format="json").status_code == 201
    response = client.post("/api/submissions/create/", data, format="json")
    assert response.status_code == 400 and "submitted already" in response.content.decode()
    assert ModelSubmission.objects.count() == 1


def test_another_labs_submission_is_not_found() -> None:
    theirs = model_submission_hub_create(
        user=lab_make(), hub_id="a/b", revision="v1", license="mit"
    )
    client = token_client(lab_make("other"))
    assert client.get(f"/api/submissions/{theirs.pk}/").status_code == 404
    assert client.get("/api/submissions/").json()["results"] == []
