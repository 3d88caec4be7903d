"""List filters: ?study=, ?updated_since= (validated), limit/offset pagination."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from braintrial.participants.models import Participant, Trial
from braintrial.participants.services.assignment import participants_release_abandoned
from tests.factories import T0, trial_make

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", "1"])
@pytest.mark.parametrize("url", ["/api/trials/", "/api/participants/", "/api/studies/"])
def test_bad_updated_since_is_a_400_naming_the_parameter(world, url, value):
    response = world.client_for("own").get(url, {"updated_since": value})
    assert response.status_code == 400
    assert "updated_since" in response.json()


def test_bad_study_slug_is_a_400_and_an_unknown_one_a_404(world):
    client = world.client_for("own")
    assert client.get("/api/trials/", {"study": "not a slug!"}).status_code == 400
    assert client.get("/api/trials/", {"study": "nope"}).status_code == 404


def test_trials_since_a_time_are_the_ones_answered_since(world):
    client = world.client_for("own")
    person = world.alpha.participants[0]
    late = T0 + dt.timedelta(days=3)
    newer = trial_make(person, world.alpha.items[5], 9, answered_at=late, shown_at=late)
    body = client.get("/api/trials/", {"updated_since": "2026-05-02T00:00:00Z"}).json()
    assert [trial["id"] for trial in body["results"]] == [newer.pk]
    # Without an offset the time is UTC.
    body = client.get("/api/trials/", {"updated_since": "2026-05-02T00:00:00"}).json()
    assert body["count"] == 1


def test_participants_since_a_time_are_the_ones_changed_since(world):
    client = world.client_for("own")
    first, second = world.alpha.participants[:2]
    Participant.objects.update(updated_at=T0)
    since = (timezone.now() - dt.timedelta(minutes=5)).isoformat()
    assert client.get("/api/participants/", {"updated_since": since}).json()["count"] == 0

    # A participant who walked away is released without any request of theirs: a puller that
    # saw them active must still learn they abandoned.
    Participant.objects.filter(pk=first.pk).update(
        status=Participant.Status.ACTIVE, completed_at=None, last_seen_at=T0, updated_at=T0
    )
    released = participants_release_abandoned(study=world.alpha.study, now=timezone.now())
    assert released == 1
    body = client.get("/api/participants/", {"updated_since": since}).json()
    assert [(p["id"], p["status"]) for p in body["results"]] == [(first.pk, "abandoned")]

    # save() (the admin, importers) moves it too.
    second.country = "Chile"
    second.save()
    body = client.get("/api/participants/", {"updated_since": since}).json()
    assert [p["id"] for p in body["results"]] == [first.pk, second.pk]


def test_study_filter_and_pagination(world):
    client = world.client_for("staff")
    everything = client.get("/api/trials/").json()
    assert everything["count"] == Trial.objects.count() == 12
    alpha = client.get("/api/trials/", {"study": "alpha"}).json()
    assert {t["study"] for t in alpha["results"]} == {"alpha"}
    page = client.get("/api/trials/", {"limit": 5, "offset": 5}).json()
    assert len(page["results"]) == 5
    assert page["results"][0]["id"] == everything["results"][5]["id"]
    assert "offset=10" in page["next"]


def test_trial_rows_carry_no_participant_secret(world):
    row = world.client_for("own").get("/api/participants/").json()["results"][0]
    assert "token_hash" not in row


def test_page_size_is_capped(world, monkeypatch):
    from braintrial.api.pagination import CappedLimitOffsetPagination

    monkeypatch.setattr(CappedLimitOffsetPagination, "max_limit", 4)
    body = world.client_for("staff").get("/api/trials/", {"limit": 100000}).json()
    assert body["count"] == 12
    assert len(body["results"]) == 4
