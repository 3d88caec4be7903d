"""Accuracy on the public and on the held-out items side by side (pure numpy).

A study may hold a share of its bank out of every public download (studies.heldout). Models
trained on published texts, or tuned to a published benchmark, would do better on the public
items than on the held-out ones; experts, who never saw either, should not. Which items are held
out is drawn at random (a keyed hash), so without such over-fitting the two sides differ by
chance only, and their intervals say how much.
"""

from __future__ import annotations

import numpy as np

from .data import Scores, Trials
from .science.mixed import bootstrap_items
from .stats import accuracy, accuracy_counts_many
from .types import HeldOutReport, Interval, SubsetFigures


def subset_figures(
    *,
    item_mask: np.ndarray,
    trials: Trials,
    included: np.ndarray,
    scores: Scores,
) -> SubsetFigures:
    """Humans (included trials on the items of ``item_mask``, bool per item index) and every
    scorer that counts (its valid scores on those items) on one set of items."""
    on = included & item_mask[trials.item]
    correct = trials.correct[on]
    interval: Interval | None = None
    if np.unique(trials.item[on]).size >= 2:
        drawn = bootstrap_items(item=trials.item[on], correct=correct)
        interval = {"estimate": drawn.estimate, "low": drawn.low, "high": drawn.high}
    answers = scores.correct[item_mask]
    scored = ~np.isnan(answers)
    n = scored.sum(axis=0)
    k = np.where(scored, answers, 0.0).sum(axis=0).round().astype(np.int64)
    models = accuracy_counts_many(k, n)
    return {
        "n_items": int(item_mask.sum()),
        "humans": accuracy(correct),
        "humans_interval": interval,
        "models": {scorer["name"]: models[j] for j, scorer in enumerate(scores.scorers)},
    }


def held_out_report(
    *,
    share: float,
    held: np.ndarray,
    scope: np.ndarray,
    trials: Trials,
    included: np.ndarray,
    scores: Scores,
) -> HeldOutReport:
    """The public and the held-out items of ``scope`` (bool per item index; ``held``: bool per
    item index, the study's held-out items) side by side."""
    public = subset_figures(
        item_mask=scope & ~held, trials=trials, included=included, scores=scores
    )
    held_out = subset_figures(
        item_mask=scope & held, trials=trials, included=included, scores=scores
    )
    note = ""
    if share <= 0:
        note = "This study holds no items out: every text is public (its settings say so)."
    elif held_out["n_items"] == 0:
        note = "None of the items in scope is held out yet: the share drew none of them."
    return {
        "share": float(share),
        "n_items": int(scope.sum()),
        "public": public,
        "held_out": held_out,
        "note": note,
    }


def held_out_empty(*, share: float) -> HeldOutReport:
    """The comparison as it looks with no data (a guarded analysis's fallback)."""
    none = np.zeros(0, dtype=bool)
    empty = Trials(
        trial_id=np.zeros(0, dtype=np.int64),
        participant_id=np.zeros(0, dtype=np.int64),
        item=np.zeros(0, dtype=np.int64),
        correct=none,
        confidence=np.zeros(0, dtype=np.int64),
        expertise=np.zeros(0, dtype=np.int64),
        position=np.zeros(0, dtype=np.int64),
        position_labels=[],
        flags={},
        assigned=np.zeros(0, dtype=np.int64),
    )
    no_scores = Scores(
        scorers=[],
        correct=np.zeros((0, 0)),
        confidence=np.zeros((0, 0)),
        margin=np.zeros((0, 0)),
        skipped=[],
    )
    return held_out_report(
        share=share, held=none, scope=none, trials=empty, included=none, scores=no_scores
    )
