"""Scoring runs: create, enqueue in chunks, cancel, fail, finish, resume after a crash.

A run's state changes only by conditional UPDATEs (``WHERE status IN ...``), so a redelivered or
duplicated chunk task can never move a finished, failed or cancelled run back.

The queue is fair: a run never has more than ``chunks_in_flight()`` chunks in the broker at once
(its *lanes*). Each finished chunk enqueues its lane's next one at the back of the queue, so the
chunks of concurrent runs take turns (round-robin) and a run queued behind a 300-item run starts
within about one chunk's time. Which chunk comes next is decided from the run's fixed plan (its
items in order, cut into chunks) and the chunk's place in it, so no state is kept between tasks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from braintrial.audit.services import audit_event_record
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


def chunks_in_flight() -> int:
    """Chunks of one run that may wait in the queue or be scored at once (SCORING_RUN_LANES):
    1 (the default) lets every other run in after each chunk; set it to the number of workers
    so that one run alone keeps them all busy (a new run then waits up to that many chunks)."""
    return max(1, int(getattr(settings, "SCORING_RUN_LANES", 1) or 1))


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
        transaction.on_commit(lambda: score_run_enqueue_start(run_id=run.pk), robust=True)
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


def score_run_plan(*, run: ScoreRun, size: int) -> list[list[int]]:
    """Every item of the run, scored or not, in order, cut into chunks of ``size``: chunk ``i``
    of the plan is the same list whenever it is asked for, so a task needs only its place in it
    (and the size and lanes it was planned with, which travel with it: the web process and a
    worker may be configured differently)."""
    ids = list(run.items.order_by("bank", "source", "row", "pk").values_list("pk", flat=True))
    return [ids[start : start + size] for start in range(0, len(ids), size)]


@dataclass(frozen=True)
class Lanes:
    """How a run's plan is walked: chunks of ``size`` items, ``count`` of them in flight."""

    size: int
    count: int


def score_run_next_chunks(
    *, run: ScoreRun, lanes: Lanes, after: int | None = None
) -> list[tuple[int, list[int]]]:
    """(place in the plan, unscored item ids) of the chunks to enqueue next.

    ``after`` None: the first chunk with unscored items of each of the lanes (lane ``k`` holds
    the plan's chunks ``k, k + lanes.count, ...``). Otherwise the next such chunk of the lane of
    chunk ``after``. Chunks whose items all have a score already are passed over.
    """
    plan = score_run_plan(run=run, size=lanes.size)
    scored = set(
        ItemScore.objects.filter(
            scorer_id=run.scorer_id, item_id__in=run.items.values("pk")
        ).values_list("item_id", flat=True)
    )
    starts = range(lanes.count) if after is None else [after + lanes.count]
    chosen = []
    for start in starts:
        for place in range(start, len(plan), lanes.count):
            missing = [item_id for item_id in plan[place] if item_id not in scored]
            if missing:
                chosen.append((place, missing))
                break
    return chosen


def score_run_enqueue_start(*, run_id: int) -> int:
    """Enqueue the first chunk of each lane of a queued or running run; returns how many."""
    from scoring.tasks import score_run_chunk

    run = ScoreRun.objects.select_related("scorer").get(pk=run_id)
    lanes = Lanes(size=chunk_size(scorer=run.scorer), count=chunks_in_flight())
    chunks = score_run_next_chunks(run=run, lanes=lanes)
    for place, item_ids in chunks:
        score_run_chunk.delay(run_id, item_ids, place, lanes.size, lanes.count)
    return len(chunks)


def score_run_continue(*, run_id: int, after: int, lanes: Lanes) -> bool:
    """After chunk ``after`` of a run: enqueue its lane's next chunk, at the back of the queue
    (behind the chunks of every other run); nothing once the run is no longer active. True if
    a chunk was enqueued."""
    from scoring.tasks import score_run_chunk

    run = ScoreRun.objects.select_related("scorer").filter(pk=run_id).first()
    if run is None or not run.is_active:
        return False
    for place, item_ids in score_run_next_chunks(run=run, after=after, lanes=lanes):
        score_run_chunk.delay(run_id, item_ids, place, lanes.size, lanes.count)
        return True
    return False


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
    # The actor is the request's user (admin, dashboard) or the command's operator.
    audit_event_record(
        event="score_run.cancel",
        instance=run,
        study_id=run.study_id,
        details={"scorer": str(run.scorer), "run": run.pk},
    )
    return run


def score_run_resume() -> int:
    """Start the lanes of every queued or running run again (after a worker died).

    Called when a worker starts. A chunk that is still in the queue as well runs twice at
    worst; the second finds its items scored and writes nothing. Returns the runs touched.
    """
    from scoring.tasks import score_run_chunk

    resumed = 0
    for run in ScoreRun.objects.filter(status__in=ACTIVE_RUN_STATUSES).select_related("scorer"):
        if score_run_enqueue_start(run_id=run.pk):
            resumed += 1
        elif run.status == ScoreRun.Status.RUNNING:
            score_run_finish_if_complete(run_id=run.pk)
        else:
            # Queued with nothing left: a chunk of it will claim and finish it; enqueue one.
            score_run_chunk.delay(run.pk, [])
            resumed += 1
    return resumed
