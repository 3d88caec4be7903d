"""braintrial.postgres: a reused connection is health-checked without a round trip while it is
healthy, and still found dead when the server has ended its session (a restart would)."""

from __future__ import annotations

import select
from collections.abc import Iterator

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper

pytestmark = pytest.mark.django_db


@pytest.fixture
def own() -> Iterator[BaseDatabaseWrapper]:
    """A second connection of the default database, apart from the test's own."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def _backend_pid(wrapper: BaseDatabaseWrapper) -> int:
    return int(wrapper.connection.info.backend_pid)


def _last_query(pid: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return str(cursor.fetchone()[0])


def test_the_postgres_engine_is_braintrials() -> None:
    assert settings.DATABASES["default"]["ENGINE"] == "braintrial.postgres"
    assert connection.vendor == "postgresql"


def test_an_idle_healthy_connection_passes_the_check_without_a_query(
    own: BaseDatabaseWrapper,
) -> None:
    with own.cursor() as cursor:
        cursor.execute("SELECT 'the last query'")
    pid = _backend_pid(own)

    assert own.is_usable() is True
    assert _last_query(pid) == "SELECT 'the last query'"


def test_a_connection_whose_session_the_server_ended_fails_the_check(
    own: BaseDatabaseWrapper,
) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [_backend_pid(own)])
    # The server's farewell (an error message, then the close) arrives on the socket.
    poller = select.poll()
    poller.register(own.connection.fileno(), select.POLLIN)
    assert poller.poll(5000)

    assert own.is_usable() is False


def test_the_check_decides_by_a_query_when_the_server_sent_something_harmless(
    own: BaseDatabaseWrapper,
) -> None:
    """A notification is not an ending: the socket is readable, the query finds it healthy."""
    with own.cursor() as cursor:
        cursor.execute("LISTEN braintrial_probe")
    params = own.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:  # outside the test's transaction
        other.execute("NOTIFY braintrial_probe")
    poller = select.poll()
    poller.register(own.connection.fileno(), select.POLLIN)
    assert poller.poll(5000)

    assert own.is_usable() is True
    assert _last_query(_backend_pid(own)) == "SELECT 1"
