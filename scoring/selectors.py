"""Reads of scores. Only complete results are ever shown: a run's scores once it succeeded,
a scorer's scores over the items of its succeeded runs (published scorers: all of theirs)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from scoring.models import ItemScore, Scorer, ScoreRun


def score_run_results(*, run: ScoreRun) -> QuerySet[ItemScore]:
    """The run's scores, one per item, or none at all unless the run succeeded."""
    if run.status != ScoreRun.Status.SUCCEEDED:
        return ItemScore.objects.none()
    return ItemScore.objects.filter(
        scorer_id=run.scorer_id,
        item_id__in=run.items.values("pk"),
        config_fingerprint=run.config_fingerprint,
    ).select_related("item")


def scorer_results(*, scorer: Scorer) -> QuerySet[ItemScore]:
    """A scorer's scores that belong to a finished result, under its current configuration.

    Scores written by a run that then failed or was cancelled stay hidden until a succeeded run
    covers their items.
    """
    scores = ItemScore.objects.filter(scorer_id=scorer.pk).select_related("item")
    if scorer.is_published:
        return scores
    succeeded_items = ScoreRun.items.through.objects.filter(
        scorerun__scorer_id=scorer.pk, scorerun__status=ScoreRun.Status.SUCCEEDED
    ).values("item_id")
    return scores.filter(item_id__in=succeeded_items, config_fingerprint=scorer.config_fingerprint)


def scorers_with_results() -> QuerySet[Scorer]:
    """Published scorers with scores, and runnable scorers with at least one succeeded run."""
    has_scores = Exists(ItemScore.objects.filter(scorer_id=OuterRef("pk")))
    has_run = Exists(
        ScoreRun.objects.filter(scorer_id=OuterRef("pk"), status=ScoreRun.Status.SUCCEEDED)
    )
    return Scorer.objects.filter(
        (Q(is_published=True) & has_scores) | (Q(is_published=False) & has_run)
    )


def score_run_progress(*, run: ScoreRun) -> dict[str, Any]:
    """What a progress display needs; safe to poll while the run goes on."""
    run.refresh_from_db()
    return {
        "id": run.pk,
        "scorer": run.scorer.name,
        "status": run.status,
        "n_done": run.n_done,
        "n_total": run.n_total,
        "fraction": run.n_done / run.n_total if run.n_total else 1.0,
        "tokens_per_second": run.tokens_per_second,
        "device_name": run.device_name,
        "batch_size": run.batch_size,
        "error": run.error,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
    }
