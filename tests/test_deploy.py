"""The production stack as docker-compose.yml describes it (no Docker engine is needed to read it).

The compose file is parsed, not run: these checks keep it in step with the code (the queue the
tasks use, the WSGI module, the settings that production must set).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from scoring import tasks

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_services_and_their_order(compose: dict) -> None:
    services = compose["services"]
    assert set(services) == {
        "postgres",
        "redis",
        "migrate",
        "web",
        "worker",
        "reports",
        "housekeeping",
    }
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"
    # The workers wait for web, which waits for the migrations (and the database and Redis).
    for name in ("worker", "reports"):
        assert services[name]["depends_on"]["web"]["condition"] == "service_healthy"
    assert services["web"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert " ".join(services["migrate"]["command"]).endswith("manage.py migrate --no-input")
    assert "migrate" not in services["web"]["command"]


def test_the_app_runs_as_a_role_that_owns_nothing_and_migrations_as_the_owner(
    compose: dict,
) -> None:
    """The web and worker processes connect as braintrial_app, which the init script makes
    without any power over the tables; the migrate service as the owner, granting the app's
    role its rights after migrating (the grants themselves: tests/audit/test_chain.py)."""
    services = compose["services"]

    def user(url: str) -> str:
        return url.split("//", 1)[1].split(":", 1)[0]

    app = compose["x-app-environment"]
    assert user(app["DATABASE_URL"]) == "braintrial_app"
    for name in ("web", "worker", "reports", "housekeeping"):
        assert user(services[name]["environment"]["DATABASE_URL"]) == "braintrial_app"
    migrate = services["migrate"]["environment"]
    assert user(migrate["DATABASE_URL"]) == "braintrial"
    assert migrate["DATABASE_APP_ROLE"] == "braintrial_app"
    assert ":?" in app["AUDIT_LOG_KEY"]
    init = services["postgres"]["volumes"][1].split(":")
    assert init[1].startswith("/docker-entrypoint-initdb.d/")
    script = (ROOT / init[0]).read_text(encoding="utf-8")
    for role in ("braintrial", "braintrial_app"):
        assert f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE" in script
    assert "ALTER DATABASE braintrial OWNER TO braintrial;" in script
    assert services["postgres"]["environment"]["POSTGRES_USER"] == "postgres"


def test_web_serves_the_projects_wsgi_app_with_gunicorn(compose: dict) -> None:
    command = compose["services"]["web"]["command"]
    assert f"gunicorn {settings.WSGI_APPLICATION.rsplit('.', 1)[0]}" in command
    assert "collectstatic" in command


def test_a_web_worker_loads_every_view_before_its_first_request() -> None:
    """The views and the analysis stack they import (about a second) load as gunicorn starts
    a worker, not in the first researcher's request."""
    code = (
        "import sys, braintrial.wsgi; "
        "print(all(m in sys.modules for m in "
        "('braintrial.dashboard.views', 'braintrial.participants.views', 'scipy.stats')))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "braintrial.settings"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "True"


def test_worker_consumes_the_scoring_queue_only_on_a_gpu(compose: dict) -> None:
    worker = compose["services"]["worker"]
    command = worker["command"]
    queues = command[command.index("-Q") + 1]
    assert queues.split(",") == ["scoring"]
    assert tasks.score_run_chunk.queue == "scoring"
    # The dashboard's reports go to a worker of their own, without a GPU.
    reports = compose["services"]["reports"]
    assert reports["command"][reports["command"].index("-Q") + 1] == "reports"
    assert "deploy" not in reports
    devices = worker["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["capabilities"] == ["gpu"]


def test_housekeeping_runs_the_beat_schedule_on_the_default_queue(compose: dict) -> None:
    """The daily purge of identifiers: beat inside one worker of the default queue, where the
    scheduled task is routed."""
    from braintrial.participants.tasks import identifiers_purge_due

    command = compose["services"]["housekeeping"]["command"]
    assert "--beat" in command and command[command.index("-Q") + 1] == "default"
    from braintrial.celery import app

    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert identifiers_purge_due.name in scheduled
    assert settings.CELERY_TASK_DEFAULT_QUEUE == "default"
    assert compose["services"]["housekeeping"]["depends_on"]["web"]["condition"] == (
        "service_healthy"
    )


def test_production_settings_are_required_not_defaulted(compose: dict) -> None:
    environment = compose["x-app-environment"]
    for name in ("SECRET_KEY", "ALLOWED_HOSTS"):
        assert ":?" in environment[name], name  # compose refuses to start without them
    assert environment["DEBUG"] == "0"
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert environment["REDIS_URL"].startswith("redis://")


def compose_environment(compose: dict) -> dict[str, str]:
    """The app's environment as compose would set it, with made-up values for the required
    variables and the defaults of the optional ones."""
    given = {
        "SECRET_KEY": "k" * 20 + "-production-like-secret-key-0123456789-abcdefghij",
        "ALLOWED_HOSTS": "trial.example.org",
        "POSTGRES_PASSWORD": "pw",
        "DB_APP_PASSWORD": "app-pw",
        "AUDIT_LOG_KEY": "a" * 64,
    }

    def resolve(value: str) -> str:
        def one(match: re.Match[str]) -> str:
            name, op, default = match.group(1), match.group(2), match.group(3)
            return given.get(name) or (default if op == ":-" else "")

        return re.sub(r"\$\{(\w+)(:[?-])?([^}]*)\}", one, value)

    return {key: resolve(str(value)) for key, value in compose["x-app-environment"].items()}


def run_with(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    # The production process gets only what compose gives it: none of the test run's own
    # switches (the browser tests allow sync ORM calls in an event loop, for one).
    dropped = ("DEBUG", "HTTPS", "TLS_PROXY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(environment, PYTHONPATH=str(ROOT), BRAINTRIAL_VAR_DIR=str(ROOT / "var"))
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_compose_settings_pass_check_deploy_clean(compose: dict) -> None:
    result = run_with(
        compose_environment(compose), "manage.py", "check", "--deploy", "--fail-level", "DEBUG"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_compose_settings_trust_one_tls_proxy_and_its_origin(compose: dict) -> None:
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SECURE_PROXY_SSL_HEADER, s.CSRF_TRUSTED_ORIGINS, s.NUM_PROXIES, "
        "s.REST_FRAMEWORK['NUM_PROXIES'], s.SESSION_COOKIE_SECURE, s.SECURE_SSL_REDIRECT]))"
    )
    environment = dict(compose_environment(compose), DJANGO_SETTINGS_MODULE="braintrial.settings")
    result = run_with(environment, "-c", script)
    assert result.returncode == 0, result.stderr
    header, origins, proxies, drf_proxies, secure, redirect = json.loads(result.stdout)
    assert header == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert origins == ["https://trial.example.org"]
    assert proxies == drf_proxies == 1
    assert secure and redirect


def test_compose_publishes_web_on_loopback_only(compose: dict) -> None:
    # Only the proxy on the host may reach gunicorn: a direct client could forge its headers.
    ports = compose["services"]["web"]["ports"]
    assert all(str(port).startswith("127.0.0.1:") for port in ports)
    assert "X-Forwarded-Proto" in " ".join(compose["services"]["web"]["healthcheck"]["test"])


@pytest.mark.django_db
@override_settings(
    ALLOWED_HOSTS=["trial.example.org"],
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    CSRF_TRUSTED_ORIGINS=["https://trial.example.org"],
    SECURE_SSL_REDIRECT=True,
)
@pytest.mark.usefixtures("posts_like_a_browser")
def test_a_browser_post_through_the_tls_proxy_passes_the_csrf_check() -> None:
    get_user_model().objects.create_user("res", password="a-long-test-password-7")
    client = Client(enforce_csrf_checks=True)
    through_proxy = {"HTTP_HOST": "trial.example.org", "HTTP_X_FORWARDED_PROTO": "https"}
    page = client.get("/accounts/login/", **through_proxy)
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token
    response = client.post(
        "/accounts/login/",
        {"username": "res", "password": "a-long-test-password-7", "csrfmiddlewaretoken": token[1]},
        HTTP_ORIGIN="https://trial.example.org",
        HTTP_REFERER="https://trial.example.org/accounts/login/",
        **through_proxy,
    )
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
