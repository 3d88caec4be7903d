"""When a service blinks: Redis stopped, a database connection dropped under a request.

Before: with Redis down the dashboard and the token endpoint answered 500; a request meeting a
connection the database had closed (a restart) answered a bare 500. Redis here is a private
``redis-server`` this test starts and stops; the machine's own is never touched. The dropped
database connection is the test's own session, ended with ``pg_terminate_backend``.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client, RequestFactory, override_settings
from rest_framework.test import APIClient

from braintrial.resilience import server_error
from braintrial.studies.models import Study
from tests.factories import study_make
from tests.participants.conftest import (
    answer_data,
    current_position,
    ensure_builtin_items,
    flow_url,
    make_bank,
    walk_to_practice,
)

PASSWORD = "a-long-test-password-7"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivateRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    cache = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{server.port}/0",
        "OPTIONS": {
            "SOCKET_CONNECT_TIMEOUT": 0.5,
            "SOCKET_TIMEOUT": 1.0,
            "IGNORE_EXCEPTIONS": True,
        },
    }
    with override_settings(CACHES={"default": cache}):
        yield server
    server.stop()


@pytest.mark.django_db
def test_dashboard_and_token_endpoint_work_with_redis_stopped(redis: PrivateRedis) -> None:
    made = study_make("alpha")
    user = made.researcher
    user.set_password(PASSWORD)
    user.save()
    client = Client()
    client.force_login(user)
    assert client.get("/dashboard/alpha/").status_code == 200  # Redis up: cached
    redis.stop()
    for url in ("/dashboard/", "/dashboard/alpha/", "/dashboard/alpha/data.json"):
        assert client.get(url).status_code == 200, url
    token = APIClient().post("/api/auth/token/", {"username": user.username, "password": PASSWORD})
    assert token.status_code == 200
    assert token.json()["token"]


@pytest.fixture
def live_study(transactional_db: None, posts_like_a_browser: None) -> Study:
    ensure_builtin_items()
    make_bank()
    return Study.objects.create(slug="blip", title="Blip", bank="testbank", is_open=True)


def drop_own_connection() -> None:
    """End this process's database session from a second connection, as a restart would."""
    pid = connection.cursor().connection.info.backend_pid
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_get_on_a_dropped_connection_is_retried_on_a_fresh_one(live_study: Study) -> None:
    client = Client(raise_request_exception=False)
    walk_to_practice(client, live_study)
    drop_own_connection()
    position, _ = current_position(client, live_study)
    assert position == 0


def test_a_post_on_a_dropped_connection_gets_a_self_reloading_503_and_stores_nothing(
    live_study: Study,
) -> None:
    client = Client(raise_request_exception=False)
    participant = walk_to_practice(client, live_study)
    current_position(client, live_study)  # the practice trial is shown
    drop_own_connection()
    response = client.post(
        flow_url(live_study), answer_data(0, "practice"), HTTP_REFERER="http://testserver/x/"
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    page = response.content.decode()
    assert 'http-equiv="refresh" content="5;url=http://testserver/x/"' in page
    assert "Everything you were told was saved is saved" in page
    assert participant.trials.get(position=0).correct is None
    again = client.post(flow_url(live_study), answer_data(0, "practice"))
    assert again.status_code == 302
    assert participant.trials.filter(correct__isnull=False).count() == 1


# The handler looks at the connection (to drop a broken one), which an earlier test of the same
# process may have left open: the test may touch the database like the handler does.
@pytest.mark.django_db
def test_an_unavailable_database_outside_a_view_gets_the_503_not_a_500() -> None:
    request = RequestFactory().get("/dashboard/alpha/data.json")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert b"retry in a few seconds" in response.content
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(RequestFactory().get("/")).status_code == 500


def test_reused_connections_are_checked_before_each_request() -> None:
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
