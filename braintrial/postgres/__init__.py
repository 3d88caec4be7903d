"""braintrial's way to Postgres: Django's backend with a health check that costs no round trip
(base.py), and the ORM's queries prepared at protocol level once they repeat on a connection.

Every participant request runs the same few queries (the participant with its study, the trials,
the answer's update), and Postgres parsed and analysed each again every time: prepared, it does
that once per connection. psycopg prepares a query once it has run ``prepare_threshold`` times
on a connection; that needs the parameters bound by the server (``server_side_binding``). The
statements live in the Postgres session, so:

* with ``CONN_MAX_AGE=0`` (behind pgbouncer in transaction mode) nothing is prepared by default:
  a connection lives for one request, and a pooler older than 1.21, or without
  ``max_prepared_statements``, does not follow protocol-level prepared statements;
* ``DB_PREPARE_THRESHOLD`` sets the threshold (``off`` turns preparing off).

Postgres plans a prepared query for its values for its first five runs, then switches to a
generic plan, made without the values, where that looks no dearer. The flow's queries (a row by
its key, a participant's trials) have the same plan either way, and a generic plan is not made
again: against planning every run, that cut the server's CPU per flow request by a third. A few
queries are not like that: at 100,000 participants the generic plans of the start's checks (a
browser mark seen before, a stale session to release, starts from one network) scanned the whole
study, 57 to 82 ms each against 0.1 to 0.6 ms planned for their values: a partial index cannot
be used for a parameter that might be the excluded value, and a ``LIMIT 1`` looks cheap on a
scan. Those run inside ``planned_for_values()``, which prepares nothing, so that Postgres plans
each run for its values.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

ENGINE = "braintrial.postgres"
DEFAULT_PREPARE_THRESHOLD = 5  # psycopg's own default


def prepare_threshold(*, conn_max_age: int | None, environ: Mapping[str, str]) -> int | None:
    """The runs on a connection after which a query is prepared; None: never."""
    value = environ.get("DB_PREPARE_THRESHOLD", "").strip().lower()
    if value in {"off", "none", "0"}:
        return None
    if value:
        return int(value)  # a typo stops the start, not the first request
    return None if conn_max_age == 0 else DEFAULT_PREPARE_THRESHOLD


def postgres_settings(database: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """``database`` (as dj_database_url parses it) on braintrial's backend, its parameters bound
    by the server and its queries prepared once they repeat; any other database as it is."""
    if database.get("ENGINE") != "django.db.backends.postgresql":
        return dict(database)
    threshold = prepare_threshold(conn_max_age=database.get("CONN_MAX_AGE"), environ=environ)
    options = {**database.get("OPTIONS", {}), "server_side_binding": True}
    options["prepare_threshold"] = threshold
    return {**database, "ENGINE": ENGINE, "OPTIONS": options}


@contextmanager
def planned_for_values(using: str = "default") -> Iterator[None]:
    """Prepare no query run inside the block on the connection ``using``: Postgres plans each
    for its values (see the module docstring). For the queries whose best plan depends on the
    values, not for the flow's."""
    from django.db import connections  # settings import this module before Django is set up

    wrapper = connections[using]
    wrapper.ensure_connection()
    raw = wrapper.connection
    before = getattr(raw, "prepare_threshold", None)
    if before is None:  # preparing is off, or not a psycopg connection
        yield
        return
    raw.prepare_threshold = None
    try:
        yield
    finally:
        raw.prepare_threshold = before
