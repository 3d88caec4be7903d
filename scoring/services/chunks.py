"""Scoring one chunk of a run: the work a Celery task (or the ``score`` command) does.

Idempotent: the chunk loads only items still without a score of its scorer, and writes with
ON CONFLICT DO NOTHING, so a redelivered, duplicated or re-run chunk never duplicates a score.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.db import transaction
from django.db.models import ExpressionWrapper, F, FloatField
from django.utils import timezone

from braintrial.items.models import Item
from scoring.engine.config import PairScore
from scoring.models import ItemScore, ScoreRun
from scoring.services import engines
from scoring.services.runs import score_run_fail, score_run_finish_if_complete
from scoring.services.scorers import (
    WeightsChangedError,
    prompt_build,
    score_choice_fields,
    scorer_weights_pin,
)

logger = logging.getLogger(__name__)


def _error_text(exc: BaseException, *, device: str = "") -> str:
    """One readable line for the run's error field."""
    name = type(exc).__name__
    message = str(exc).strip() or repr(exc)
    if name in ("ScorerOutOfMemoryError", "WeightsChangedError"):
        return message
    if "out of memory" in message.lower() or name == "OutOfMemoryError":
        where = f" on {device}" if device else ""
        return f"Out of memory at batch size 1{where}: {message}"
    if name == "ScorerConfigError":
        return f"Bad scorer configuration: {message}"
    if isinstance(exc, OSError):
        return f"Model files could not be read ({name}): {message}"
    return f"{name}: {message}"


def _claim(run_id: int) -> ScoreRun | None:
    """queued -> running by a conditional UPDATE; returns the run if it is running now."""
    ScoreRun.objects.filter(pk=run_id, status=ScoreRun.Status.QUEUED).update(
        status=ScoreRun.Status.RUNNING, started_at=timezone.now()
    )
    run = ScoreRun.objects.select_related("scorer").filter(pk=run_id).first()
    if run is None or run.status != ScoreRun.Status.RUNNING:
        return None
    return run


def _weights_check(run: ScoreRun) -> tuple[ScoreRun, str] | None:
    """(the run as it is after pinning, the checksum of its local checkpoint or ""), or None
    when the checkpoint cannot be read or is not the one the scorer first scored with (the
    run is then failed)."""
    try:
        checksum = engines.scorer_weights_checksum(scorer=run.scorer)
        if checksum:
            scorer_weights_pin(scorer_id=run.scorer_id, checksum=checksum)
            # Pinning may have given the run its complete fingerprint.
            run = ScoreRun.objects.select_related("scorer").get(pk=run.pk)
    except (OSError, ValueError, WeightsChangedError) as exc:  # ScorerConfigError: ValueError
        score_run_fail(run_id=run.pk, error=_error_text(exc))
        return None
    return run, checksum


def score_run_chunk_process(
    *,
    run_id: int,
    item_ids: list[int],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Score the chunk's items that have no score yet; returns how many items it scored.

    A run that is no longer active (cancelled, failed, succeeded) is left alone. Any error of
    the model marks the run failed with a readable message.
    """
    claimed = _claim(run_id)
    checked = _weights_check(claimed) if claimed is not None else None
    if checked is None:
        return 0
    run, checksum = checked
    scorer = run.scorer
    if scorer.config_fingerprint != run.config_fingerprint:
        score_run_fail(
            run_id=run_id,
            error=f"The configuration of scorer {scorer.name} changed after this run was created; "
            "create a new scorer for the new configuration.",
        )
        return 0
    # Only the run's own items, and only those still without a score of this scorer.
    items = list(
        run.items.filter(pk__in=item_ids)
        .exclude(pk__in=ItemScore.objects.filter(scorer_id=scorer.pk).values("item_id"))
        .order_by("pk")
        .only("pk", "original", "altered")
    )
    written = 0
    if items:
        device = ""
        try:
            loaded = engines.scorer_engine_load(scorer=scorer)
            device = loaded.device_name
            started = time.perf_counter()
            results = loaded.score_pairs(
                [(item.original, item.altered) for item in items], progress=progress
            )
            seconds = time.perf_counter() - started
        except Exception as exc:
            logger.exception("Scoring run %s: chunk failed", run_id)
            score_run_fail(run_id=run_id, error=_error_text(exc, device=device))
            return 0
        try:
            written = _scores_write(
                run=run,
                items=items,
                results=results,
                seconds=seconds,
                loaded=loaded,
                checksum=checksum,
            )
        except Exception as exc:
            logger.exception("Scoring run %s: writing a chunk failed", run_id)
            score_run_fail(run_id=run_id, error=f"Could not store scores: {_error_text(exc)}")
            return 0
    score_run_finish_if_complete(run_id=run_id)
    return written


def _scores_write(
    *,
    run: ScoreRun,
    items: list[Item],
    results: list[PairScore],
    seconds: float,
    loaded: engines.ScoringEngine,
    checksum: str,
) -> int:
    """Write a chunk's scores and the run's speed figures in one transaction; checksum: of
    the local checkpoint files the scores were computed with ("" for a hub id)."""
    torch_version, transformers_version = engines.engine_library_versions()
    scorer = run.scorer
    fingerprint = run.config_fingerprint
    rows = []
    n_tokens = 0
    for item, result in zip(items, results, strict=True):
        original, altered = result.original, result.altered
        n_tokens += original.n_tokens + altered.n_tokens
        prompt = prompt_build(template=scorer.prompt_template, abstract=item.original)
        rows.append(
            ItemScore(
                scorer_id=scorer.pk,
                item_id=item.pk,
                run_id=run.pk,
                n_tokens_original=original.n_tokens,
                n_tokens_altered=altered.n_tokens,
                nll_sum_original=original.nll_sum,
                nll_sum_altered=altered.nll_sum,
                nll_mean_original=original.nll_mean,
                nll_mean_altered=altered.nll_mean,
                ppl_original=original.ppl,
                ppl_altered=altered.ppl,
                **score_choice_fields(
                    ppl_original=original.ppl, ppl_altered=altered.ppl, prompt=prompt
                ),
                config_fingerprint=fingerprint,
                weights_sha256=checksum,
            )
        )
    with transaction.atomic():
        # A chunk running twice at once (redelivery beside a resume) loses the race here.
        ItemScore.objects.bulk_create(rows, ignore_conflicts=True)
        total_tokens = F("n_tokens") + n_tokens
        total_seconds = F("seconds_scoring") + seconds
        ScoreRun.objects.filter(pk=run.pk).update(
            n_tokens=total_tokens,
            seconds_scoring=total_seconds,
            tokens_per_second=ExpressionWrapper(
                total_tokens / total_seconds, output_field=FloatField()
            ),
            device_name=loaded.device_name,
            batch_size=loaded.batch_size,
            torch_version=torch_version,
            transformers_version=transformers_version,
            weights_sha256=checksum,
        )
    return len(rows)
