"""Item analysis rows as the report and the items file carry them, and their summary."""

from __future__ import annotations

from typing import Any

import numpy as np

from braintrial.analysis.data import SOURCES, Items, Scores, Trials
from braintrial.analysis.types import ItemRowReport, ItemsSummary

from .items import ItemBank, ItemTrials, item_analysis
from .pools import pool_columns


def item_rows_compute(
    *,
    items: Items,
    trials: Trials,
    t: np.ndarray,
    scores: Scores,
    defects: list[str],
    columns: list[int],
) -> list[ItemRowReport]:
    """The item analysis over the trials ``t``, the models those of ``columns`` of the scores
    (a pool, analysis.science.pools)."""
    return item_analysis(
        trials=ItemTrials(
            participant=trials.participant_id[t],
            item=trials.item[t],
            correct=trials.correct[t],
            confidence=trials.confidence[t],
        ),
        model_correct=scores.correct[:, columns],
        bank=ItemBank(
            ids=items.ids,
            # Each row names its item's own source ("llm" included), not the quota it fills.
            sources=list(items.written_by) or [SOURCES[int(s)] for s in items.source],
            defects=defects,
        ),
    )


def item_rows_build(
    *,
    items: Items,
    trials: Trials,
    included: np.ndarray,
    scores: Scores,
    defects: list[str],
    paper_llms: set[int],
) -> list[dict[str, Any]]:
    """Item analysis alone (no model fit), the models those of the default pool: for the
    items file."""
    rows = item_rows_compute(
        items=items,
        trials=trials,
        t=np.flatnonzero(included),
        scores=scores,
        defects=defects,
        columns=pool_columns(scores.scorers, paper_llms=paper_llms),
    )
    return [dict(row) for row in rows]


def items_summary(rows: list[ItemRowReport], *, scope: np.ndarray) -> ItemsSummary:
    """Counts over the items in scope (rows in item index order): how many were answered,
    discriminate, are worth a second look on the data (by reason) or flagged by the importer."""
    in_scope = [row for i, row in enumerate(rows) if scope[i]]
    reasons: dict[str, int] = {}
    for row in in_scope:
        for reason in row["suspect_reasons"]:
            reasons[reason] = reasons.get(reason, 0) + 1
    discriminations = [r["discrimination"] for r in in_scope if r["discrimination"] is not None]
    return {
        "n_items": len(in_scope),
        "n_answered": sum(1 for r in in_scope if r["n"]),
        "n_with_discrimination": len(discriminations),
        "median_discrimination": float(np.median(discriminations)) if discriminations else None,
        "n_defective": sum(1 for r in in_scope if r["defect"]),
        "n_suspect": sum(1 for r in in_scope if r["suspect"]),
        "suspect_by_reason": reasons,
    }
