"""The enqueue boundary: whether the broker can take scoring tasks right now.

A run is created and its chunks are enqueued after the commit; if the broker is down then, the
run stays queued and the next worker start resumes it (score_run_resume). Checking first lets
the researcher be told at once that nothing was started, instead of a run that waits silently.
"""

from __future__ import annotations

import logging

from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)
CONNECT_TIMEOUT_S = 2.0


class QueueUnavailable(Exception):
    """The scoring queue (the Celery broker) cannot be reached."""


def score_queue_check() -> None:
    """Raise QueueUnavailable unless the broker accepts a connection within a few seconds."""
    from braintrial.celery import app

    try:
        with app.connection_for_write(connect_timeout=CONNECT_TIMEOUT_S) as connection:
            connection.ensure_connection(max_retries=0, timeout=CONNECT_TIMEOUT_S)
    except (BrokerError, OSError) as exc:
        logger.warning("Scoring queue unavailable: %s", exc)
        raise QueueUnavailable(
            "The scoring queue is unavailable right now, so no run was started. "
            "Please try again in a few minutes."
        ) from exc
