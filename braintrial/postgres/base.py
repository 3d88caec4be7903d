"""Django's PostgreSQL backend with a health check that costs no round trip while it passes.

A reused connection (CONN_MAX_AGE) is checked once per request before its first query
(CONN_HEALTH_CHECKS). Django checks with ``SELECT 1``: a round trip to the server on every
request, which a profile of the participant flow put at about a tenth of a request's CPU.

The server never speaks unasked on an idle connection of ours (no LISTEN, no COPY): anything
it sends between our queries means the session is ending. A restart, ``pg_terminate_backend``,
an idle-session timeout or pgbouncer going away each send an error message and close, which
makes the socket readable. So an idle connection whose socket has nothing to read is healthy;
one that has something to read, or that psycopg already knows is closed, gets Django's own
``SELECT 1`` to decide. A peer that vanishes without a word (a cut cable) is not seen by either
check until TCP gives up; the request that meets it fails and is answered by
braintrial.resilience.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        conn = self.connection
        if conn is None or conn.closed or conn.broken:
            return False
        if conn.info.transaction_status != TransactionStatus.IDLE:
            return bool(super().is_usable())  # mid-transaction: not the case the shortcut is for
        try:
            poller = select.poll()
            poller.register(conn.fileno(), select.POLLIN | select.POLLPRI)
            unsolicited = bool(poller.poll(0))
        except (OSError, ValueError):  # no socket any more
            return False
        return not unsolicited or bool(super().is_usable())
