"""The figures of one set of items (all, human-written or GPT-4-written), from loaded arrays."""

from __future__ import annotations

import numpy as np

from . import stats
from .data import Items, Scores, Trials
from .types import (
    Accuracy,
    Agreement,
    Binned,
    Calibration,
    HumanFigures,
    ModelFigures,
    SourceFigures,
)


def source_analysis(
    *, items: Items, trials: Trials, scores: Scores, item_mask: np.ndarray, trial_mask: np.ndarray
) -> SourceFigures:
    """Humans, models, calibration and agreement on the items in ``item_mask`` (the teams are
    fitted per item source by analysis.paper).

    ``trial_mask`` selects the included trials on those items.
    """
    t = np.flatnonzero(trial_mask)
    item_rows = np.flatnonzero(item_mask)
    return {
        "n_items": int(item_rows.size),
        "humans": _humans(items=items, trials=trials, t=t),
        "models": _models(items=items, scores=scores, item_rows=item_rows),
        "calibration": _calibration(trials=trials, scores=scores, t=t, item_rows=item_rows),
        "expertise": _expertise(trials=trials, t=t),
        "agreement": _agreement(items=items, trials=trials, scores=scores, t=t, rows=item_rows),
    }


def _humans(*, items: Items, trials: Trials, t: np.ndarray) -> HumanFigures:
    correct = trials.correct[t]
    item = trials.item[t]
    rated = trials.expertise[t] >= 1
    top = stats.top_expertise_mask(
        trials.expertise[t][rated], item[rated], trials.trial_id[t][rated]
    )
    return {
        "accuracy": stats.accuracy(correct),
        "by_section": stats.accuracy_by_group(correct, items.section[item], items.section_labels),
        "by_position": stats.accuracy_by_group(correct, trials.position[t], trials.position_labels),
        "top_expertise": stats.accuracy(correct[rated][top]),
    }


def _models(*, items: Items, scores: Scores, item_rows: np.ndarray) -> dict[str, ModelFigures]:
    columns = scores.correct[item_rows]  # items x scorers, NaN where not scored
    scored, right = ~np.isnan(columns), columns == 1.0
    overall = stats.accuracy_counts_many(right.sum(axis=0), scored.sum(axis=0))
    # Every scorer's accuracy per section at once: counts are scorers x sections.
    in_section = np.eye(len(items.section_labels), dtype=np.int64)[items.section[item_rows]]
    n, k = scored.T.astype(np.int64) @ in_section, right.T.astype(np.int64) @ in_section
    filled = np.nonzero(n)
    by_section = stats.accuracy_counts_many(k[filled], n[filled])
    sections: list[dict[str, Accuracy]] = [{} for _ in scores.scorers]
    for j, s, acc in zip(*filled, by_section, strict=True):
        sections[j][items.section_labels[s]] = acc
    return {
        scorer["name"]: {"accuracy": overall[j], "by_section": sections[j]}
        for j, scorer in enumerate(scores.scorers)
    }


def _calibration(
    *, trials: Trials, scores: Scores, t: np.ndarray, item_rows: np.ndarray
) -> Calibration:
    rated = t[trials.confidence[t] >= 1]
    humans = stats.binned_accuracy(
        trials.confidence[rated].astype(np.float64), trials.correct[rated], trials.trial_id[rated]
    )
    models: dict[str, Binned] = {}
    for j, scorer in enumerate(scores.scorers):
        confidence = scores.confidence[item_rows, j]
        have = ~np.isnan(confidence)
        models[scorer["name"]] = stats.binned_accuracy(
            confidence[have], scores.correct[item_rows[have], j] == 1.0, item_rows[have]
        )
    return {"humans": humans, "models": models}


def _expertise(*, trials: Trials, t: np.ndarray) -> Binned:
    rated = t[trials.expertise[t] >= 1]
    return stats.binned_accuracy(
        trials.expertise[rated].astype(np.float64), trials.correct[rated], trials.trial_id[rated]
    )


def _agreement(
    *, items: Items, trials: Trials, scores: Scores, t: np.ndarray, rows: np.ndarray
) -> Agreement:
    n_all = items.ids.size
    answered = np.bincount(trials.item[t], minlength=n_all)
    hits = np.bincount(
        trials.item[t], weights=trials.correct[t].astype(np.float64), minlength=n_all
    )
    rows = rows[answered[rows] > 0]
    names = [s["name"] for s in scores.scorers]
    human = (hits[rows] / answered[rows])[:, None] if rows.size else np.zeros((0, 1))
    columns = np.hstack([human, scores.margin[rows]])
    if np.isnan(columns).any():
        matrix = _pairwise_spearman(columns)
    else:
        matrix = stats.spearman_matrix(columns)
    model_model = matrix[1:, 1:]
    upper = model_model[np.triu_indices(len(names), k=1)]
    upper = upper[~np.isnan(upper)]
    human_model = matrix[0, 1:]
    return {
        "n_items": int(rows.size),
        "scorers": names,
        "human_model": {n: stats.rounded(r) for n, r in zip(names, human_model, strict=True)},
        "model_model": [[stats.rounded(r) for r in row] for row in model_model],
        "mean_human_model": stats.rounded(np.nanmean(human_model))
        if (~np.isnan(human_model)).any()
        else None,
        "mean_model_model": stats.rounded(upper.mean()) if upper.size else None,
    }


def _pairwise_spearman(columns: np.ndarray) -> np.ndarray:
    """Spearman per pair of columns over the rows where both have a value.

    Columns with the same rows missing are ranked together: one matrix per pair of missing
    patterns (a handful), not one per pair of columns.
    """
    k = columns.shape[1]
    out = np.full((k, k), np.nan)
    have = ~np.isnan(columns)
    patterns, group = np.unique(have.T, axis=0, return_inverse=True)
    group = group.ravel()
    for a in range(len(patterns)):
        for b in range(a, len(patterns)):
            cols = np.flatnonzero((group == a) | (group == b))
            rows = patterns[a] & patterns[b]
            block = stats.spearman_matrix(columns[np.ix_(rows, cols)])
            pick_a, pick_b = group[cols] == a, group[cols] == b
            out[np.ix_(cols[pick_a], cols[pick_b])] = block[np.ix_(pick_a, pick_b)]
            out[np.ix_(cols[pick_b], cols[pick_a])] = block[np.ix_(pick_b, pick_a)]
    return out
