"""Calibration and expertise bins with the authors' edges, and their logistic calibration test.

Facts from the authors' analysis code (brainbench_results: calibration_machine_and_human.py,
expertise_analyses.py): scores become ordinal ranks 0..N-1 (ties in stored order); bin k holds
ranks in [k*N/B, (k+1)*N/B) (B = 20 for calibration, 4 for expertise); the line is a
least-squares fit of bin accuracy on the bin midpoints. The calibration test fits a logistic
regression of correct on the raw confidence in 5 random 80% subsamples (numpy's legacy
generator seeded 42; L2 penalty of strength 1 on the slope, as scikit-learn's default), then a
one-sample t-test of the 5 slopes against 0, one-sided.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as scipy_stats

from ..stats import fit_line, rounded
from ..types import CalibrationTest, PaperBin, PaperBinned
from .logistic import logistic_fit

CALIBRATION_BINS = 20
EXPERTISE_BINS = 4
TEST_FOLDS = 5
TEST_TRAIN_FRACTION = 0.8
TEST_SEED = 42


def paper_bins(
    *, score: np.ndarray, correct: np.ndarray, order: np.ndarray, n_bins: int
) -> PaperBinned:
    """Accuracy per bin of ordinal score ranks, bin k = ranks in [k*N/n_bins, (k+1)*N/n_bins).

    ``order`` breaks ties (stored order). Bin sizes follow from the edges (floor/ceil of the
    fractions), not from an equal split. Empty bins have accuracy None. ``fit``: least squares
    of bin accuracy on the bin's rank midpoint, as the authors draw it; slope per rank.
    """
    n = int(score.size)
    if n == 0:
        return {"n": 0, "bins": [], "fit": {"slope": None, "intercept": None}}
    ranks = np.empty(n)
    ranks[np.lexsort((order, score))] = np.arange(n)
    edges = np.linspace(0, n, n_bins + 1)
    which = np.searchsorted(edges, ranks, side="right") - 1
    sizes = np.bincount(which, minlength=n_bins)
    hits = np.bincount(which, weights=correct.astype(np.float64), minlength=n_bins)
    midpoints = (edges[:-1] + edges[1:]) / 2
    filled = sizes > 0
    accuracy = np.where(filled, hits / np.maximum(sizes, 1), np.nan)
    bins: list[PaperBin] = [
        {
            "bin": k + 1,
            "n": int(sizes[k]),
            "accuracy": rounded(float(accuracy[k])),
            "score_min": float(score[which == k].min()) if sizes[k] else None,
            "score_max": float(score[which == k].max()) if sizes[k] else None,
        }
        for k in range(n_bins)
    ]
    return {"n": n, "bins": bins, "fit": fit_line(midpoints[filled], accuracy[filled])}


def calibration_test(*, confidence: np.ndarray, correct: np.ndarray) -> CalibrationTest:
    """The authors' logistic calibration test: is the slope of correct on confidence > 0?

    ``confidence``: raw (slider 1-100, or |PPL_original - PPL_altered|). Returns the mean slope
    and intercept over the subsamples, t with TEST_FOLDS - 1 degrees of freedom and the
    one-sided p (None where undefined).
    """
    n = int(confidence.size)
    if n < 10 or np.unique(correct).size < 2:
        return {"n": n, "slope": None, "intercept": None, "t": None, "df": None, "p": None}
    generator = np.random.RandomState(TEST_SEED)
    n_train = int(TEST_TRAIN_FRACTION * n)
    x = np.column_stack([np.ones(n), confidence.astype(np.float64)])
    y = correct.astype(np.float64)
    penalty = np.array([0.0, 1.0])  # the intercept is not penalised
    fits = []
    for _ in range(TEST_FOLDS):
        train = generator.choice(n, n_train, replace=False)
        fits.append(logistic_fit(x=x[train], y=y[train], penalty=penalty))
    weights = np.array(fits)
    slopes = weights[:, 1]
    if np.ptp(slopes) == 0:
        t, p = None, None
    else:
        result = scipy_stats.ttest_1samp(slopes, 0.0, alternative="greater")
        t, p = float(result.statistic), float(result.pvalue)
    return {
        "n": n,
        "slope": rounded(float(slopes.mean()), 8),
        "intercept": rounded(float(weights[:, 0].mean())),
        "t": rounded(t),
        "df": TEST_FOLDS - 1,
        "p": p,
    }
