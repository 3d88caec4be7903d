"""Pure numeric helpers for the analysis (numpy, scipy and statsmodels; no Django).

Every function returns plain Python numbers (or None where a figure is undefined) so that the
report is JSON-serialisable as it stands.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import rankdata

from .types import Accuracy, Bin, Binned, Fit

N_BINS = 20
TOP_EXPERTISE_FRACTION = 0.2
TOP_EXPERTISE_MIN_TRIALS = 5
# 95% intervals. Wilson's score interval keeps its coverage near 95% down to a handful of
# trials and never leaves [0, 1]; the normal-approximation SEM collapses to 0 at 0% or 100%
# ("100.0% +- 0.0" from one trial), which reads as certainty.
ALPHA = 0.05
# Below this many trials (or items) a figure is shown with a warning: its interval is wide.
MIN_N = 30


def _float(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def wilson_intervals(k: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """95% Wilson score intervals of the proportions k/n, elementwise (statsmodels'
    ``proportion_confint``); every n > 0. Computed for many counts at once: one call per
    array, not per figure, keeps the report's hundreds of intervals cheap."""
    # Imported here: statsmodels brings pandas, which a web worker that serves no report
    # should not load as it starts.
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(k, n, alpha=ALPHA, method="wilson")
    # In [0, 1] in exact arithmetic; the clip keeps rounding at k = 0 or k = n from leaving it.
    return np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)


def wilson_interval(k: int, n: int) -> tuple[float | None, float | None]:
    """95% Wilson score interval of a proportion k/n; (None, None) for n = 0."""
    if n == 0:
        return None, None
    low, high = wilson_intervals(np.array([k]), np.array([n]))
    return float(low[0]), float(high[0])


def accuracy(correct: np.ndarray) -> Accuracy:
    """Proportion correct with its 95% Wilson interval and standard error.

    ``low`` / ``high``: the Wilson score interval (what the dashboard shows). ``sem`` is the
    binomial standard error of the trial-level mean, sqrt(p(1-p)/n), kept for the published
    comparison. ``k`` correct of ``n``; empty -> None.
    """
    return accuracy_counts(int(np.count_nonzero(correct)), int(correct.size))


def accuracy_counts(k: int, n: int) -> Accuracy:
    """``accuracy`` from the counts: k correct of n."""
    return accuracy_counts_many(np.array([k]), np.array([n]))[0]


def accuracy_counts_many(k: np.ndarray, n: np.ndarray) -> list[Accuracy]:
    """``accuracy_counts`` of each pair (k[i], n[i]), the intervals computed together."""
    k, n = k.astype(np.int64), n.astype(np.int64)
    low, high = np.zeros(n.size), np.zeros(n.size)
    filled = n > 0
    if filled.any():
        low[filled], high[filled] = wilson_intervals(k[filled], n[filled])
    return [_accuracy(int(k[i]), int(n[i]), float(low[i]), float(high[i])) for i in range(n.size)]


def _accuracy(k: int, n: int, low: float, high: float) -> Accuracy:
    if n == 0:
        return {"accuracy": None, "sem": None, "low": None, "high": None, "n": 0, "k": 0}
    p = k / n
    return {
        "accuracy": p,
        "sem": math.sqrt(p * (1 - p) / n),
        "low": low,
        "high": high,
        "n": n,
        "k": k,
    }


def accuracy_by_group(
    correct: np.ndarray, groups: np.ndarray, labels: list[str]
) -> dict[str, Accuracy]:
    """Accuracy per group code; ``groups`` holds indexes into ``labels``. Empty groups left out."""
    if correct.size == 0:
        return {}
    n = np.bincount(groups, minlength=len(labels))
    k = np.bincount(groups, weights=correct.astype(np.float64), minlength=len(labels))
    filled = np.flatnonzero(n)
    accs = accuracy_counts_many((k[filled] + 0.5).astype(np.int64), n[filled])
    return {labels[index]: acc for index, acc in zip(filled, accs, strict=True)}


def top_expertise_mask(expertise: np.ndarray, groups: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Trials kept by the top-20% expertise rule of the published analysis.

    For each group (abstract), keep the floor(n * 0.2) trials with the highest expertise, ties
    broken by ``order`` (stored order: trial id); groups with fewer than 5 trials drop out.
    """
    kept = np.zeros(expertise.size, dtype=bool)
    if expertise.size == 0:
        return kept
    # lexsort: last key is primary -> group, then expertise descending, then stored order.
    idx = np.lexsort((order, -expertise.astype(np.int64), groups))
    sorted_groups = groups[idx]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    sizes = np.diff(np.r_[starts, sorted_groups.size])
    rank_in_group = np.arange(sorted_groups.size) - np.repeat(starts, sizes)
    n_keep = np.where(
        sizes >= TOP_EXPERTISE_MIN_TRIALS, np.floor(sizes * TOP_EXPERTISE_FRACTION), 0
    ).astype(np.int64)
    kept[idx[rank_in_group < np.repeat(n_keep, sizes)]] = True
    return kept


def fit_line(x: np.ndarray, y: np.ndarray) -> Fit:
    """Ordinary least squares y = slope * x + intercept; None with fewer than 2 distinct x."""
    if x.size < 2 or np.ptp(x) == 0:
        return {"slope": None, "intercept": None}
    dx = x - x.mean()
    slope = float((dx * (y - y.mean())).sum() / (dx**2).sum())
    return {"slope": _float(slope), "intercept": _float(float(y.mean()) - slope * float(x.mean()))}


def binned_accuracy(
    score: np.ndarray, correct: np.ndarray, order: np.ndarray, n_bins: int = N_BINS
) -> Binned:
    """Accuracy in equal-count bins of ``score`` (confidence, |dPPL| or expertise).

    Sorted by score ascending, ties by ``order``; ``np.array_split`` sizes differ by at most one
    (the first bins take the remainder). With fewer values than bins, one bin per value. The line
    is fitted by least squares to bin accuracy over bin number (1 = least confident), each bin
    weighing the same.
    """
    n = int(score.size)
    if n == 0:
        return {"bins": [], "fit": {"slope": None, "intercept": None}, "n": 0}
    idx = np.lexsort((order, score))
    values = score[idx].astype(np.float64)
    hits = correct[idx].astype(np.float64)
    k = min(n_bins, n)
    # np.array_split sizes: the first n % k bins take one extra value.
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    accuracy_ = np.add.reduceat(hits, starts) / sizes
    mean = np.add.reduceat(values, starts) / sizes
    low = np.minimum.reduceat(values, starts)
    high = np.maximum.reduceat(values, starts)
    bins: list[Bin] = [
        {
            "bin": number + 1,
            "n": int(sizes[number]),
            "score_min": float(low[number]),
            "score_max": float(high[number]),
            "score_mean": float(mean[number]),
            "accuracy": float(accuracy_[number]),
        }
        for number in range(k)
    ]
    return {"bins": bins, "fit": fit_line(np.arange(1.0, k + 1), accuracy_), "n": n}


def spearman_matrix(columns: np.ndarray) -> np.ndarray:
    """Spearman correlations between the columns of ``columns`` (rows = items, no NaN).

    Average ranks for ties, then Pearson on the ranks; a constant column gives NaN.
    """
    if columns.shape[0] < 2:
        return np.full((columns.shape[1], columns.shape[1]), np.nan)
    ranks = rankdata(columns, axis=0)
    ranks = ranks - ranks.mean(axis=0)
    norms = np.sqrt((ranks**2).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (ranks.T @ ranks) / np.outer(norms, norms)


def rounded(value: float | None, digits: int = 6) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), digits)
