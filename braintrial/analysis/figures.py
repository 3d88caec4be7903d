"""The figures of one set of items (all, human-written or GPT-4-written), from loaded arrays."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import stats
from .data import Items, Scores, Trials


def source_analysis(
    *, items: Items, trials: Trials, scores: Scores, item_mask: np.ndarray, trial_mask: np.ndarray
) -> dict[str, Any]:
    """Humans, models, calibration, agreement and team on the items in ``item_mask``.

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
        "team": _team(trials=trials, scores=scores, t=t, item_rows=item_rows),
    }


def _humans(*, items: Items, trials: Trials, t: np.ndarray) -> dict[str, Any]:
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


def _models(*, items: Items, scores: Scores, item_rows: np.ndarray) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for j, scorer in enumerate(scores.scorers):
        column = scores.correct[item_rows, j]
        have = ~np.isnan(column)
        correct = column[have] == 1.0
        out[scorer["name"]] = {
            "accuracy": stats.accuracy(correct),
            "by_section": stats.accuracy_by_group(
                correct, items.section[item_rows[have]], items.section_labels
            ),
        }
    return out


def _calibration(
    *, trials: Trials, scores: Scores, t: np.ndarray, item_rows: np.ndarray
) -> dict[str, Any]:
    rated = t[trials.confidence[t] >= 1]
    humans = stats.binned_accuracy(
        trials.confidence[rated].astype(np.float64), trials.correct[rated], trials.trial_id[rated]
    )
    models: dict[str, Any] = {}
    for j, scorer in enumerate(scores.scorers):
        confidence = scores.confidence[item_rows, j]
        have = ~np.isnan(confidence)
        models[scorer["name"]] = stats.binned_accuracy(
            confidence[have], scores.correct[item_rows[have], j] == 1.0, item_rows[have]
        )
    return {"humans": humans, "models": models}


def _expertise(*, trials: Trials, t: np.ndarray) -> dict[str, Any]:
    rated = t[trials.expertise[t] >= 1]
    return stats.binned_accuracy(
        trials.expertise[rated].astype(np.float64), trials.correct[rated], trials.trial_id[rated]
    )


def _agreement(
    *, items: Items, trials: Trials, scores: Scores, t: np.ndarray, rows: np.ndarray
) -> dict[str, Any]:
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
    """Spearman per pair of columns over the rows where both have a value."""
    k = columns.shape[1]
    out = np.full((k, k), np.nan)
    have = ~np.isnan(columns)
    for a in range(k):
        for b in range(a, k):
            both = have[:, a] & have[:, b]
            rho = stats.spearman_matrix(columns[both][:, [a, b]])[0, 1]
            out[a, b] = out[b, a] = rho
    return out


def _team(*, trials: Trials, scores: Scores, t: np.ndarray, item_rows: np.ndarray) -> dict:
    rated = t[trials.confidence[t] >= 1]
    human_z = stats.zscore(trials.confidence[rated].astype(np.float64))
    human_correct = trials.correct[rated]
    item = trials.item[rated]
    out: dict[str, Any] = {}
    for j, scorer in enumerate(scores.scorers):
        confidence = scores.confidence[:, j]
        in_scope = item_rows[~np.isnan(confidence[item_rows])]
        model_z = np.full(confidence.size, np.nan)
        model_z[in_scope] = stats.zscore(confidence[in_scope])
        trial_model_z = model_z[item]
        have = ~np.isnan(trial_model_z)
        model_decides = trial_model_z[have] > human_z[have]
        model_correct = scores.correct[item[have], j] == 1.0
        team = np.where(model_decides, model_correct, human_correct[have])
        out[scorer["name"]] = {
            "n": int(have.sum()),
            "team": stats.accuracy(team),
            "human": stats.accuracy(human_correct[have]),
            "model": stats.accuracy(model_correct),
            "model_decides": float(model_decides.mean()) if have.any() else None,
        }
    return out
