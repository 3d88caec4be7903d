"""Staff rights and study read rights are separate: the staff flag opens the admin, and reading
every study takes the ``studies.view_all_studies`` permission (superusers hold it).

Before, ``is_staff`` alone read every study's participants, trials and exports."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import read_all_grant, study_make

pytestmark = pytest.mark.django_db


def web_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_staff_flag_alone_reads_no_study() -> None:
    study_make("alpha")
    clerk = get_user_model().objects.create_user("clerk", is_staff=True)
    web = web_client(clerk)
    assert web.get("/dashboard/").context["rows"] == []
    assert web.get("/dashboard/alpha/").status_code == 404
    assert web.get("/exports/alpha/trials.csv").status_code == 404
    api = api_client(clerk)
    assert api.get("/api/studies/").json()["results"] == []
    assert api.get("/api/studies/alpha/").status_code == 404
    assert api.get("/api/trials/?study=alpha").status_code in (403, 404)


def test_the_read_all_permission_reads_every_study_without_staff() -> None:
    study_make("alpha")
    study_make("beta")
    auditor = get_user_model().objects.create_user("auditor")
    read_all_grant(auditor)
    rows = web_client(auditor).get("/dashboard/").context["rows"]
    assert {row["study"].slug for row in rows} == {"alpha", "beta"}
    export = web_client(auditor).get("/exports/beta/trials.csv")
    assert export.status_code == 200
    assert b"".join(export.streaming_content).count(b"\n") == 1 + 2 * 3  # header, 2 x 3 trials


def test_superusers_read_every_study() -> None:
    study_make("alpha")
    root = get_user_model().objects.create_superuser("root", password=None)
    assert web_client(root).get("/dashboard/alpha/").status_code == 200
