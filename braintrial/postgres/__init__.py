"""braintrial's way to Postgres: Django's backend with a cheaper health check (base.py) and
parameters bound by the server, so that the queries every request repeats are prepared.

Server-side binding lets psycopg prepare a statement once it has run ``prepare_threshold``
times on a connection; Postgres then skips parsing and planning it. On the participant flow
this took the database's CPU from 1.0 to 0.6 ms a request (bench/scale.py). psycopg prepares
at the protocol level, which pgbouncer follows from version 1.21 with max_prepared_statements
set; behind an older pooler in transaction mode set DB_PREPARE_THRESHOLD=off.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ENGINE = "braintrial.postgres"
DEFAULT_PREPARE_THRESHOLD = 2


def postgres_settings(database: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """``database`` (as dj_database_url parses it) on braintrial's backend with server-side
    binding, when it is a Postgres database; any other database as it is."""
    if database.get("ENGINE") != "django.db.backends.postgresql":
        return dict(database)
    threshold = environ.get("DB_PREPARE_THRESHOLD", "").strip().lower()
    if threshold in {"off", "none", "0"}:
        prepare: int | None = None
    elif threshold:
        prepare = int(threshold)  # a typo fails at start, not in the first request
    else:
        prepare = DEFAULT_PREPARE_THRESHOLD
    options = {**database.get("OPTIONS", {}), "server_side_binding": True}
    return {**database, "ENGINE": ENGINE, "OPTIONS": {**options, "prepare_threshold": prepare}}
