"""Scoring runs: create, enqueue in chunks, cancel, fail, finish, resume after a crash.

A run's state changes only by conditional UPDATEs (``WHERE status IN ...``), so a redelivered or
duplicated chunk task can never move a finished, failed or cancelled run back.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from braintrial.items.models import Item
from braintrial.studies.models import Study
from scoring.models import ACTIVE_RUN_STATUSES, ItemScore, Scorer, ScoreRun

logger = logging.getLogger(__name__)

# Errors are shown in the admin and the dashboard; a traceback-sized text helps nobody there.
ERROR_MAX_CHARS = 2000


# Items per chunk when SCORING_CHUNK_SIZE is 0 (auto): small on CPU so that progress and
# cancelling respond within seconds; large elsewhere so that a GPU can fill its batches.
CPU_CHUNK = 8
ACCELERATOR_CHUNK = 128


def chunk_size(*, scorer: Scorer) -> int:
    configured = int(getattr(settings, "SCORING_CHUNK_SIZE", 0) or 0)
    if configured > 0:
        return configured
    return CPU_CHUNK if scorer.device == Scorer.Device.CPU else ACCELERATOR_CHUNK


def _run_items(
    *, study: Study | None, source: str | None, limit: int | None, banks: list[str] | None
) -> list[int]:
    items = Item.objects.filter(kind=Item.Kind.TEST)
    if study is not None:
        items = items.filter(bank=study.bank)
    if banks is not None:
        items = items.filter(bank__in=banks)
    if source is not None:
        items = items.filter(source=source)
    ids = list(items.order_by("bank", "source", "row", "pk").values_list("pk", flat=True))
    return ids[:limit] if limit is not None else ids


@transaction.atomic
def score_run_create(
    *,
    scorer: Scorer,
    study: Study | None = None,
    source: str | None = None,
    limit: int | None = None,
    enqueue: bool = True,
    banks: list[str] | None = None,
) -> ScoreRun:
    """Create a run over a study's test items (its bank), or every test item, and enqueue it.

    Items this scorer has already scored count as done at once (one score per scorer and item).
    ``source`` keeps only human- or GPT-4-written items; ``banks`` (None: all) only items of
    these banks. With ``enqueue=False`` the caller processes the chunks itself (the ``score``
    command).
    """
    if scorer.is_published:
        raise ValidationError(f"{scorer} holds published scores and cannot run.")
    if limit is not None and limit < 1:
        raise ValidationError("The limit must be a positive number of items.")
    if source is not None and source not in Item.Source.values:
        raise ValidationError(f"Unknown item source {source!r}: {', '.join(Item.Source.values)}.")
    item_ids = _run_items(study=study, source=source, limit=limit, banks=banks)
    if not item_ids:
        where = f"in bank {study.bank!r} of study {study.slug}" if study else "in the item bank"
        raise ValidationError(f"No test items {where}: import them first (import_brainbench).")
    run = ScoreRun.objects.create(
        scorer=scorer,
        study=study,
        n_total=len(item_ids),
        config_fingerprint=scorer.config_fingerprint,
    )
    run.items.set(item_ids)
    score_run_progress_update(run_id=run.pk, from_status=ScoreRun.Status.QUEUED)
    chunks = score_run_missing_chunks(run=run)
    if not chunks:
        ScoreRun.objects.filter(pk=run.pk, status=ScoreRun.Status.QUEUED).update(
            status=ScoreRun.Status.SUCCEEDED, started_at=timezone.now(), finished_at=timezone.now()
        )
    elif enqueue:
        # robust: with the broker down the run stays queued (logged), and the next worker start
        # resumes it (score_run_resume) instead of the request failing after the commit.
        transaction.on_commit(lambda: score_run_enqueue(run_id=run.pk, chunks=chunks), robust=True)
    run.refresh_from_db()
    return run


def score_run_missing_chunks(*, run: ScoreRun) -> list[list[int]]:
    """Ids of the run's items without a score of its scorer, in chunks (see chunk_size)."""
    scored = ItemScore.objects.filter(scorer_id=run.scorer_id).values("item_id")
    missing = list(
        run.items.exclude(pk__in=scored)
        .order_by("bank", "source", "row", "pk")
        .values_list("pk", flat=True)
    )
    size = chunk_size(scorer=run.scorer)
    return [missing[start : start + size] for start in range(0, len(missing), size)]


def score_run_enqueue(*, run_id: int, chunks: list[list[int]]) -> None:
    from scoring.tasks import score_run_chunk

    for item_ids in chunks:
        score_run_chunk.delay(run_id, item_ids)


def score_run_progress_update(*, run_id: int, from_status: str = ScoreRun.Status.RUNNING) -> int:
    """Set n_done to the number of the run's items scored by its scorer; never lowers it
    (two chunks finishing together may each count before seeing the other's rows)."""
    run = ScoreRun.objects.get(pk=run_id)
    n_done = ItemScore.objects.filter(
        scorer_id=run.scorer_id, item_id__in=run.items.values("pk")
    ).count()
    ScoreRun.objects.filter(pk=run_id, status=from_status).update(
        n_done=Greatest(F("n_done"), n_done)
    )
    return n_done


def score_run_finish_if_complete(*, run_id: int) -> bool:
    """Mark a running run succeeded once every item has a score; True if this call did."""
    score_run_progress_update(run_id=run_id)
    return bool(
        ScoreRun.objects.filter(
            pk=run_id, status=ScoreRun.Status.RUNNING, n_done__gte=F("n_total")
        ).update(status=ScoreRun.Status.SUCCEEDED, finished_at=timezone.now())
    )


def score_run_fail(*, run_id: int, error: str) -> bool:
    """Mark an active run failed with a readable error; True if this call did."""
    text = error.strip() or "Unknown error."
    if len(text) > ERROR_MAX_CHARS:
        text = text[: ERROR_MAX_CHARS - 1] + "…"
    logger.warning("Scoring run %s failed: %s", run_id, text)
    return bool(
        ScoreRun.objects.filter(pk=run_id, status__in=ACTIVE_RUN_STATUSES).update(
            status=ScoreRun.Status.FAILED, error=text, finished_at=timezone.now()
        )
    )


def score_run_cancel(*, run: ScoreRun) -> ScoreRun:
    """Cancel a queued or running run; its chunks stop at the next chunk boundary.

    Scores already written stay (each is complete on its own) but the run is never a result.
    """
    updated = ScoreRun.objects.filter(pk=run.pk, status__in=ACTIVE_RUN_STATUSES).update(
        status=ScoreRun.Status.CANCELLED, finished_at=timezone.now()
    )
    run.refresh_from_db()
    if not updated:
        raise ValidationError(f"Run {run.pk} is {run.status}; only queued or running runs cancel.")
    return run


def score_run_resume() -> int:
    """Re-enqueue the unscored items of every queued or running run (after a worker died).

    Called when a worker starts. A chunk that is still in the queue as well runs twice at
    worst; the second finds its items scored and writes nothing. Returns the runs touched.
    """
    resumed = 0
    for run in ScoreRun.objects.filter(status__in=ACTIVE_RUN_STATUSES).select_related("scorer"):
        chunks = score_run_missing_chunks(run=run)
        if chunks:
            score_run_enqueue(run_id=run.pk, chunks=chunks)
            resumed += 1
        elif run.status == ScoreRun.Status.RUNNING:
            score_run_finish_if_complete(run_id=run.pk)
        else:
            # Queued with nothing left: a chunk of it will claim and finish it; enqueue one.
            score_run_enqueue(run_id=run.pk, chunks=[[]])
            resumed += 1
    return resumed
