"""The database connection: Django's own Postgres backend, whose persistent connections
(CONN_MAX_AGE) are health-checked before reuse (CONN_HEALTH_CHECKS), so that the first request
after a database restart gets a new connection instead of an error."""

from __future__ import annotations

from collections.abc import Iterator

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


def test_the_database_is_djangos_postgres_backend_with_health_checks() -> None:
    database = settings.DATABASES["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["CONN_HEALTH_CHECKS"] is True
    assert database["CONN_MAX_AGE"] > 0
    assert connection.vendor == "postgresql"


def test_a_connection_whose_session_the_server_ended_is_replaced_at_the_next_request(
    own: BaseDatabaseWrapper,
) -> None:
    """What a restart does to a worker's idle connection: the server ends its session. The next
    request's first query still runs, on a new connection."""
    before = _backend_pid(own)
    own.close_if_unusable_or_obsolete()  # what Django runs when a request starts
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [before])

    with own.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert _backend_pid(own) != before


def test_a_healthy_connection_is_kept(own: BaseDatabaseWrapper) -> None:
    before = _backend_pid(own)
    own.close_if_unusable_or_obsolete()

    with own.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert _backend_pid(own) == before
