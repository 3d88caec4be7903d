"""Celery tasks of the scoring queue: thin wrappers that take ids and call one service.

acks_late + reject_on_worker_lost: a chunk whose worker dies is delivered again; the service is
idempotent, so a second delivery writes nothing twice. When a worker starts it also re-enqueues
the unscored items of active runs, which covers brokers that cannot redeliver (the embedded
file-system broker) and Redis before its visibility timeout has passed.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.signals import worker_ready
from django.db import connections

from scoring.services.chunks import score_run_chunk_process
from scoring.services.runs import Lanes, score_run_continue, score_run_resume

logger = logging.getLogger(__name__)


@shared_task(
    name="scoring.tasks.score_run_chunk",
    queue="scoring",  # also routed there by settings: GPU workers consume only this queue
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def score_run_chunk(
    run_id: int,
    item_ids: list[int],
    place: int | None = None,
    size: int = 1,
    lanes: int = 1,
) -> int:
    """Score a chunk, then enqueue its lane's next (see scoring.services.runs; ``place`` None:
    a lone chunk, which enqueues nothing)."""
    written = score_run_chunk_process(run_id=run_id, item_ids=list(item_ids))
    if place is not None:
        score_run_continue(run_id=run_id, after=place, lanes=Lanes(size=size, count=lanes))
    return written


@worker_ready.connect
def _resume_on_worker_start(sender: Any = None, **kwargs: Any) -> None:
    try:
        resumed = score_run_resume()
    except Exception:  # a worker must start even when the database is briefly away
        logger.exception("Could not resume scoring runs at worker start")
        return
    finally:
        # The main process forks pool children later; they must not share its connection.
        connections.close_all()
    if resumed:
        logger.info("Resumed %d scoring run(s) left active by a previous worker", resumed)
