"""Logistic regression by Newton-Raphson (numpy only): the calibration test and the teams.

Small problems (hundreds of rows, at most a few dozen columns), so the exact Hessian is cheap and
a handful of Newton steps converge; no optimiser library is needed.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit as _sigmoid

_MAX_STEPS = 100
_TOLERANCE = 1e-9


def logistic_fit(
    *,
    x: np.ndarray,
    y: np.ndarray,
    penalty: np.ndarray,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """Weights w maximising sum(y log p + (1 - y) log(1 - p)) - sum(penalty * w**2) / 2,
    p = sigmoid(x @ w).

    ``x`` (rows x columns) holds an intercept column if one is wanted; ``penalty`` (one per
    column) is the L2 strength, 0 for an unpenalised column. ``start`` warm-starts Newton (the
    leave-one-out fits start from the full fit and converge in two or three steps).
    """
    w = np.zeros(x.shape[1]) if start is None else start.astype(np.float64).copy()
    for _ in range(_MAX_STEPS):
        p = _sigmoid(x @ w)
        gradient = x.T @ (y - p) - penalty * w
        hessian = (x * (p * (1.0 - p))[:, None]).T @ x + np.diag(penalty)
        step = np.linalg.lstsq(hessian, gradient, rcond=None)[0]
        w += step
        if np.max(np.abs(step)) < _TOLERANCE * (1.0 + np.max(np.abs(w))):
            break
    return w


def logistic_loo_margin(*, x: np.ndarray, penalty: np.ndarray) -> np.ndarray:
    """Leave-one-out cross-validated margins x_i @ w_(-i) of the oriented fit (y = 1 for all).

    Each row is one judgment task with every column signed so that > 0 favours the correct
    option; which option is shown first carries no information, so the model is symmetric
    (no intercept) and predicting "correct" is the same as a positive margin.

    The n leave-one-out fits are exact (iterated to convergence), run side by side: Newton on
    all n weight vectors at once, each starting from the full fit, each gradient and Hessian
    the full sums less the left-out row's term.
    """
    n, d = x.shape
    full = logistic_fit(x=x, y=np.ones(n), penalty=penalty)
    weights = np.tile(full, (n, 1))  # row i: the fit without row i
    outer = (x[:, :, None] * x[:, None, :]).reshape(n, d * d)
    own = np.arange(n)
    for _ in range(_MAX_STEPS):
        p = _sigmoid(weights @ x.T)  # p[i, j]: row j under the fit without row i
        residual = 1.0 - p
        residual[own, own] = 0.0
        curvature = p * (1.0 - p)
        curvature[own, own] = 0.0
        gradient = residual @ x - penalty * weights
        hessian = (curvature @ outer).reshape(n, d, d) + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient[:, :, None])[:, :, 0]
        weights += step
        if np.max(np.abs(step)) < _TOLERANCE * (1.0 + np.max(np.abs(weights))):
            break
    else:
        raise ArithmeticError("leave-one-out logistic fits did not converge")
    return np.einsum("ij,ij->i", x, weights)


def logistic_kfold_margin(*, x: np.ndarray, penalty: np.ndarray, folds: int) -> np.ndarray:
    """As logistic_loo_margin, cross-validated over ``folds`` interleaved folds (row i in fold
    i mod folds): for studies too large for n leave-one-out fits."""
    n = x.shape[0]
    ones = np.ones(n)
    full = logistic_fit(x=x, y=ones, penalty=penalty)
    margins = np.empty(n)
    fold = np.arange(n) % folds
    for k in range(folds):
        out = fold == k
        w = logistic_fit(x=x[~out], y=ones[~out], penalty=penalty, start=full)
        margins[out] = x[out] @ w
    return margins
