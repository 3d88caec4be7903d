"""The production stack as docker-compose.yml describes it (no Docker engine is needed to read it).

The compose file is parsed, not run: these checks keep it in step with the code (the queue the
tasks use, the WSGI module, the settings that production must set).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.conf import settings

from scoring import tasks

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_services_and_their_order(compose: dict) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "web", "worker"}
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"
    # The worker waits for web, which migrates first.
    assert services["worker"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert "migrate --no-input" in services["web"]["command"]


def test_web_serves_the_projects_wsgi_app_with_gunicorn(compose: dict) -> None:
    command = compose["services"]["web"]["command"]
    assert f"gunicorn {settings.WSGI_APPLICATION.rsplit('.', 1)[0]}" in command
    assert "collectstatic" in command


def test_worker_consumes_the_scoring_queue_only_on_a_gpu(compose: dict) -> None:
    worker = compose["services"]["worker"]
    command = worker["command"]
    queues = command[command.index("-Q") + 1]
    assert queues.split(",") == ["scoring"]
    assert tasks.score_run_chunk.queue == "scoring"
    devices = worker["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["capabilities"] == ["gpu"]


def test_production_settings_are_required_not_defaulted(compose: dict) -> None:
    environment = compose["x-app-environment"]
    for name in ("SECRET_KEY", "ALLOWED_HOSTS"):
        assert ":?" in environment[name], name  # compose refuses to start without them
    assert environment["DEBUG"] == "0"
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert environment["REDIS_URL"].startswith("redis://")
