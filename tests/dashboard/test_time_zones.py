"""Times on the researcher pages in the researcher's browser's zone, the zone named; the CSV
files stay UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from braintrial.participants.models import Trial

from .conftest import World, login

pytestmark = pytest.mark.django_db

ANSWERED = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)


def _with_zone(client: Client, zone: str) -> Client:
    client.cookies["bt_tz"] = zone
    return client


def test_study_list_shows_the_last_answer_in_the_browsers_zone_and_names_it(world: World) -> None:
    Trial.objects.filter(participant__study=world.study).update(answered_at=ANSWERED)
    html = _with_zone(login(world.researcher), "Asia/Tokyo").get(reverse("dashboard:study_list"))
    page = html.content.decode()
    assert "Times in Asia/Tokyo" in page
    assert 'title="2026-05-01 18:30 JST (Asia/Tokyo)"' in page  # 09:30 UTC is 18:30 in Tokyo


def test_unknown_zone_falls_back_to_the_configured_one(world: World, settings) -> None:
    settings.TIME_ZONE_DISPLAY = "UTC"
    Trial.objects.filter(participant__study=world.study).update(answered_at=ANSWERED)
    for bad in ("Mars/Olympus", "../../etc/passwd", "x" * 500):
        page = _with_zone(login(world.researcher), bad).get(reverse("dashboard:study_list"))
        assert page.status_code == 200
        assert "Times in UTC" in page.content.decode()
        assert "2026-05-01 09:30 UTC" in page.content.decode()


def test_the_admin_names_the_zone_too(world: World) -> None:
    page = _with_zone(login(world.staff), "Europe/Berlin").get("/admin/")
    assert page.status_code == 200
    assert "Times in Europe/Berlin" in page.content.decode()


def test_csv_times_stay_utc_iso_whatever_the_zone(world: World) -> None:
    Trial.objects.filter(participant__study=world.study).update(answered_at=ANSWERED)
    client = _with_zone(login(world.researcher), "Asia/Tokyo")
    response = client.get(f"/exports/{world.study.slug}/trials.csv")
    text = b"".join(response.streaming_content).decode()
    # Not the Tokyo reading of the answer time (other columns hold today's times, which may
    # read 18:30 too when the suite runs at that minute).
    assert "2026-05-01T09:30:00Z" in text
    assert "2026-05-01T18:30" not in text and "2026-05-01 18:30" not in text


def test_made_up_zone_names_cost_no_look_up_of_the_zone_files(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: every new made-up ``bt_tz`` value walked the zone folders (41 ms a request
    against 14 ms)."""
    import zoneinfo

    from braintrial import timezones

    walks: list[int] = []
    real = zoneinfo.available_timezones
    monkeypatch.setattr(zoneinfo, "available_timezones", lambda: walks.append(1) or real())
    timezones._zone.cache_clear()  # names seen by earlier tests
    client = login(world.researcher)
    for n in range(20):
        page = _with_zone(client, f"Made/Up{n}").get(reverse("dashboard:study_list"))
        assert page.status_code == 200
    assert len(walks) <= 1
