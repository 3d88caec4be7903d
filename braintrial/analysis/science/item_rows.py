"""Item analysis rows as the report and the items file carry them, and their summary."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np

from braintrial.analysis.data import SOURCES, Items, Scores, Trials

from .items import ItemRow, ItemTrials, item_analysis


def item_rows_compute(
    *, trials: Trials, t: np.ndarray, scores: Scores, defects: list[str]
) -> list[ItemRow]:
    return item_analysis(
        trials=ItemTrials(
            participant=trials.participant_id[t],
            item=trials.item[t],
            correct=trials.correct[t],
            confidence=trials.confidence[t],
        ),
        model_correct=scores.correct,
        defects=defects,
    )


def item_rows_as_dicts(*, items: Items, rows: list[ItemRow]) -> list[dict[str, Any]]:
    """The rows keyed by item id, JSON-serialisable (the report's and the items file's)."""
    return [
        {"item_id": int(items.ids[r.index]), "source": SOURCES[int(items.source[r.index])]}
        | {k: v for k, v in asdict(r).items() if k != "index"}
        | {"suspect_reasons": list(r.suspect_reasons)}
        for r in rows
    ]


def item_rows_build(
    *, items: Items, trials: Trials, included: np.ndarray, scores: Scores, defects: list[str]
) -> list[dict[str, Any]]:
    """Item analysis alone (no model fit): for the items file."""
    rows = item_rows_compute(
        trials=trials, t=np.flatnonzero(included), scores=scores, defects=defects
    )
    return item_rows_as_dicts(items=items, rows=rows)


def items_summary(rows: list[ItemRow], *, scope: np.ndarray) -> dict[str, Any]:
    """Counts over the items in scope: how many were answered, discriminate, are suspect (by
    reason) or flagged by the importer."""
    in_scope = [row for row in rows if scope[row.index]]
    reasons: dict[str, int] = {}
    for row in in_scope:
        for reason in row.suspect_reasons:
            reasons[reason] = reasons.get(reason, 0) + 1
    discriminations = [r.discrimination for r in in_scope if r.discrimination is not None]
    return {
        "n_items": len(in_scope),
        "n_answered": sum(1 for r in in_scope if r.n),
        "n_with_discrimination": len(discriminations),
        "median_discrimination": float(np.median(discriminations)) if discriminations else None,
        "n_defective": sum(1 for r in in_scope if r.defect),
        "n_suspect": sum(1 for r in in_scope if r.suspect),
        "suspect_by_reason": reasons,
    }
