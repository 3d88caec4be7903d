"""braintrial.postgres: a reused connection is health-checked without a round trip while it is
healthy, and still found dead when the server has ended its session (a restart would); queries
are bound by the server and prepared once they repeat, except those planned for their values."""

from __future__ import annotations

import select
from collections.abc import Iterator

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from braintrial.participants.services.assignment import participants_release_abandoned
from braintrial.participants.services.start import Recruitment, Visitor, participant_start
from braintrial.postgres import DEFAULT_PREPARE_THRESHOLD, planned_for_values, postgres_settings
from tests.factories import study_make

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


def _prepared(cursor, marker: str) -> int:
    cursor.execute(
        "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{marker}%"]
    )
    return int(cursor.fetchone()[0])


def test_repeated_queries_are_prepared_and_may_get_a_generic_plan() -> None:
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == DEFAULT_PREPARE_THRESHOLD
    with connection.cursor() as cursor:
        for n in range(DEFAULT_PREPARE_THRESHOLD + 1):
            cursor.execute("SELECT %s::int + 40 AS braintrial_probe", [n])
        assert _prepared(cursor, "braintrial_probe") == 1
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "auto"


def test_queries_planned_for_their_values_are_never_prepared() -> None:
    """Inside the block nothing is prepared however often it runs; after it, preparing is back."""
    with planned_for_values(), connection.cursor() as cursor:
        for n in range(3 * DEFAULT_PREPARE_THRESHOLD):
            cursor.execute("SELECT %s::int + 41 AS braintrial_values_probe", [n])
        assert _prepared(cursor, "braintrial_values_probe") == 0
    assert connection.connection.prepare_threshold == DEFAULT_PREPARE_THRESHOLD
    with connection.cursor() as cursor:
        for n in range(DEFAULT_PREPARE_THRESHOLD + 1):
            cursor.execute("SELECT %s::int + 41 AS braintrial_values_probe", [n])
        assert _prepared(cursor, "braintrial_values_probe") == 1


def test_the_start_checks_are_planned_for_their_values() -> None:
    """Every query of a start and of the release of stale sessions runs with preparing off (see
    braintrial.postgres): their generic plans scanned the study at 100,000 participants."""
    thresholds: list[int | None] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        thresholds.append(connection.connection.prepare_threshold)
        return execute(sql, params, many, context)

    # Open, and asking for what its bank of 6 human-written items holds.
    study = study_make(
        "plans", n_people=0, scored=False, is_open=True, n_human_trials=6, n_gpt4_trials=0,
        practice_enabled=False, catch_trials_enabled=False,
    ).study  # fmt: skip
    visitor = Visitor(browser_mark="m" * 43, address="203.0.113.9", user_agent="probe")
    with connection.execute_wrapper(record):
        started = participant_start(
            study=study, recruitment=Recruitment(), visitor=visitor, now=timezone.now()
        )
        n_start = len(thresholds)
        participants_release_abandoned(study=study, now=timezone.now())
    assert started.participant.pk is not None
    assert n_start >= 3 and len(thresholds) > n_start
    assert set(thresholds) == {None}
    assert connection.connection.prepare_threshold == DEFAULT_PREPARE_THRESHOLD


def test_postgres_settings_keep_the_urls_options_and_leave_other_databases_alone() -> None:
    parsed = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "x",
        "CONN_MAX_AGE": 60,
        "OPTIONS": {"sslmode": "require", "options": "-c statement_timeout=5000"},
    }

    made = postgres_settings(parsed, {})

    assert made["ENGINE"] == "braintrial.postgres" and made["NAME"] == "x"
    assert made["OPTIONS"] == {
        "sslmode": "require",
        "options": "-c statement_timeout=5000",
        "server_side_binding": True,
        "prepare_threshold": DEFAULT_PREPARE_THRESHOLD,
    }
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": "db"}
    assert postgres_settings(sqlite, {"DB_PREPARE_THRESHOLD": "5"}) == sqlite


@pytest.mark.parametrize(
    ("conn_max_age", "value", "threshold"),
    [(60, "off", None), (60, "0", None), (60, "2", 2), (0, "", None), (0, "3", 3)],
)
def test_the_prepare_threshold_comes_from_the_environment(
    conn_max_age: int, value: str, threshold: int | None
) -> None:
    """Off by default where a connection lives for one request (behind a pooler)."""
    parsed = {"ENGINE": "django.db.backends.postgresql", "NAME": "x", "CONN_MAX_AGE": conn_max_age}

    made = postgres_settings(parsed, {"DB_PREPARE_THRESHOLD": value})

    assert made["OPTIONS"]["prepare_threshold"] == threshold
    assert made["OPTIONS"]["server_side_binding"] is True


def test_a_threshold_that_is_not_a_number_stops_the_start() -> None:
    with pytest.raises(ValueError):
        postgres_settings(
            {"ENGINE": "django.db.backends.postgresql"}, {"DB_PREPARE_THRESHOLD": "x"}
        )
