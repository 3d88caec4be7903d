"""Item analysis: which items are worth a second look (numpy and scipy only, no Django).

Per item, from the analysed human trials and the valid model scores of the pool:

* human accuracy: k of n with its 95% Wilson interval, and the partially pooled accuracy (an
  empirical-Bayes posterior mean: each item's logit drawn from a normal distribution over the
  bank whose mean and spread are fitted to all items' counts; an item answered five times is
  pulled toward the bank's mean, one answered a hundred times hardly at all);
* the models: how many scorers of the pool chose the original, their share, and their
  agreement (the share of scorers that chose as the majority did; 1 = unanimous, 0.5 = split);
* discrimination: the corrected item-rest correlation (point-biserial) between being right on
  this item and the participant's share right on their other analysed items, over participants
  who answered at least ``MIN_REST_ITEMS`` other items; reported from ``MIN_DISCRIMINATION_N``
  such participants on, since on fewer it is noise;
* mean confidence when right and when wrong;
* the importer's defect note, kept apart from the data-driven flags.

An item is *worth a second look* (``suspect``) for two data-driven reasons, each with its rate
of false flags controlled over the whole bank:

* humans and models both tend to choose the altered version: most of the pool's models choose
  it and the partially pooled posterior probability that the humans' accuracy is below one half
  is high, the flagged set chosen so that the expected share of items in it whose human
  accuracy is in truth one half or more stays below ``FALSE_DISCOVERY_RATE`` (Bayesian false
  discovery control). Such an item may hold a surprising true result, or an altered version
  that reads as the more plausible finding: a second look decides;
* negative discrimination: those who do better elsewhere get it wrong more often, tested by an
  exact permutation test of the correlation (a t test where there are too many orderings to
  count), the p-values of all items held to a false discovery rate of ``FALSE_DISCOVERY_RATE``
  by Benjamini and Hochberg's procedure. With about five answers an item no correlation
  reaches it: five answers cannot separate a misleading item from chance.

On the published design (about five answers per item, no item problems planted) these flag on
average well under one item in 200 (``tests/analysis/science/test_item_screening.py``); the
unadjusted one-sided t test at 5% flagged about 7.6 by chance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from scipy.special import expit, log_expit
from scipy.stats import t as student_t

from braintrial.analysis.stats import wilson_intervals
from braintrial.analysis.types import ItemRowReport

MIN_REST_ITEMS = 2
MIN_DISCRIMINATION_N = 5
FALSE_DISCOVERY_RATE = 0.10
# Exact permutation p-values up to this many orderings of an item's answers; beyond, the t
# test of a correlation (many answers: the normal theory holds).
MAX_EXACT_ORDERINGS = 5000
# The grid over an item's logit on which its partially pooled posterior is read.
LOGIT_GRID = np.linspace(-8.0, 8.0, 321)

REASON_WRONG = (
    "humans and models both tend to choose the altered version (a surprising true result, or an "
    "altered version that reads as the likelier finding)"
)
REASON_NEGATIVE = (
    "negative discrimination: people who do better elsewhere get it wrong more often, beyond "
    "chance over the whole bank"
)


@dataclass(frozen=True)
class ItemTrials:
    """The analysed human trials of the items (item index per trial)."""

    participant: np.ndarray
    item: np.ndarray
    correct: np.ndarray  # bool
    confidence: np.ndarray  # 1..100, -1 where missing


@dataclass(frozen=True)
class ItemBank:
    """What the rows are keyed by: the item id and source name per item index, and the
    importer's defect note per item (empty where none)."""

    ids: np.ndarray
    sources: list[str]
    defects: list[str]


def _rest_scores(trials: ItemTrials) -> tuple[np.ndarray, np.ndarray]:
    """Per trial: the participant's share right on their other items, and how many those are."""
    _, person = np.unique(trials.participant, return_inverse=True)
    right = np.bincount(person, trials.correct.astype(float))
    total = np.bincount(person).astype(float)
    others = total[person] - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        rest = (right[person] - trials.correct) / others
    return rest, others


def _discrimination(trials: ItemTrials, n_items: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Item-rest point-biserial correlation per item (NaN where undefined), its n and the
    one-sided p-value of a correlation that low (NaN where undefined)."""
    rest, others = _rest_scores(trials)
    keep = others >= MIN_REST_ITEMS
    item, x, y = trials.item[keep], trials.correct[keep].astype(float), rest[keep]
    n = np.bincount(item, minlength=n_items).astype(float)
    sx, sy = np.bincount(item, x, n_items), np.bincount(item, y, n_items)
    sxx, syy = np.bincount(item, x * x, n_items), np.bincount(item, y * y, n_items)
    sxy = np.bincount(item, x * y, n_items)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx * sy / n
        var_x, var_y = sxx - sx * sx / n, syy - sy * sy / n
        r = cov / np.sqrt(var_x * var_y)
    defined = (n >= MIN_DISCRIMINATION_N) & (var_x > 1e-12) & (var_y > 1e-12)
    r = np.where(defined, r, np.nan)
    p = np.full(n_items, np.nan)
    order = np.argsort(item, kind="stable")
    bounds = np.searchsorted(item[order], np.arange(n_items + 1))
    for i in np.flatnonzero(defined):
        at = order[bounds[i] : bounds[i + 1]]
        p[i] = _p_lower(x[at] > 0, y[at], float(r[i]))
    return r, n.astype(int), p


def _p_lower(right: np.ndarray, rest: np.ndarray, r: float) -> float:
    """One-sided p-value of a correlation this low between being right and the rest score:
    exact over every way of choosing which participants were right (the margins fixed)."""
    n, k = right.size, int(right.sum())
    if math.comb(n, k) > MAX_EXACT_ORDERINGS:
        t = r * math.sqrt((n - 2) / max(1 - r * r, 1e-12))
        return float(student_t.cdf(t, n - 2))
    observed = rest[right].sum()
    sums = np.array([rest[list(chosen)].sum() for chosen in combinations(range(n), k)])
    return float(np.mean(sums <= observed + 1e-9))


def benjamini_hochberg(p: np.ndarray, q: float = FALSE_DISCOVERY_RATE) -> np.ndarray:
    """Which of the p-values (NaN: not tested) Benjamini and Hochberg's step-up procedure
    rejects at false discovery rate ``q``."""
    tested = np.flatnonzero(np.isfinite(p))
    rejected = np.zeros(p.size, dtype=bool)
    if tested.size == 0:
        return rejected
    order = tested[np.argsort(p[tested])]
    passes = p[order] <= q * np.arange(1, order.size + 1) / order.size
    if passes.any():
        rejected[order[: int(np.flatnonzero(passes).max()) + 1]] = True
    return rejected


def pooled_accuracy(k: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Partial pooling of item accuracies: logit ~ N(mu, tau^2) over the bank, fitted by
    marginal maximum likelihood to the counts (items with n = 0 carry no information). Per
    item: the posterior mean accuracy and the posterior probability that it is below 1/2."""
    from scipy.optimize import minimize

    answered = n > 0
    if not answered.any():
        return np.full(k.size, np.nan), np.full(k.size, np.nan)
    kk, nn = k[answered][:, None], n[answered][:, None]
    loglik = kk * log_expit(LOGIT_GRID) + (nn - kk) * log_expit(-LOGIT_GRID)  # items x grid
    top = loglik.max(axis=1, keepdims=True)
    likelihood = np.exp(loglik - top)

    def prior(theta: np.ndarray) -> np.ndarray:
        mu, log_tau = theta
        w = np.exp(-0.5 * ((LOGIT_GRID - mu) / math.exp(log_tau)) ** 2)
        return w / w.sum()

    def negative(theta: np.ndarray) -> float:
        return -float(np.log(likelihood @ prior(theta) + 1e-300).sum())

    rate = (k[answered].sum() + 0.5) / (n[answered].sum() + 1.0)
    start = np.array([math.log(rate / (1 - rate)), math.log(0.5)])
    # The spread is kept between 0.05 and 5 logits: at its lower end every item is the bank's
    # mean, which the posterior then says.
    fit = minimize(negative, start, method="L-BFGS-B", bounds=[(-6, 6), (math.log(0.05), 1.6)])
    post = likelihood * prior(fit.x)[None, :]
    post /= post.sum(axis=1, keepdims=True)
    mean, below = np.full(k.size, np.nan), np.full(k.size, np.nan)
    mean[answered] = post @ expit(LOGIT_GRID)
    below[answered] = post[:, LOGIT_GRID < 0].sum(axis=1) + 0.5 * post[:, LOGIT_GRID == 0].sum(
        axis=1
    )
    return mean, below


def bayes_flags(probability: np.ndarray, q: float = FALSE_DISCOVERY_RATE) -> np.ndarray:
    """The largest set of candidates (probability of a real problem, NaN: not a candidate),
    most probable first, whose expected share of false flags, the mean of (1 - probability),
    stays at most ``q``."""
    candidates = np.flatnonzero(np.isfinite(probability))
    flagged = np.zeros(probability.size, dtype=bool)
    if candidates.size == 0:
        return flagged
    order = candidates[np.argsort(-probability[candidates], kind="stable")]
    false_share = np.cumsum(1 - probability[order]) / np.arange(1, order.size + 1)
    fits = np.flatnonzero(false_share <= q)
    if fits.size:
        flagged[order[: int(fits.max()) + 1]] = True
    return flagged


def _mean_by_item(values: np.ndarray, item: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    count = np.bincount(item[mask], minlength=n).astype(float)
    total = np.bincount(item[mask], values[mask].astype(float), n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def _float(value: float) -> float | None:
    return None if not np.isfinite(value) else float(value)


def item_analysis(
    *, trials: ItemTrials, model_correct: np.ndarray, bank: ItemBank
) -> list[ItemRowReport]:
    """One row per item, in item index order (``model_correct``: items x scorers of the pool,
    1.0 / 0.0 / NaN)."""
    n_items = len(bank.defects)
    n = np.bincount(trials.item, minlength=n_items)
    k = np.bincount(trials.item, trials.correct.astype(float), n_items).astype(int)
    discrimination, discrimination_n, p_negative = _discrimination(trials, n_items)
    has_confidence = trials.confidence > 0
    conf_right = _mean_by_item(
        trials.confidence, trials.item, has_confidence & trials.correct, n_items
    )
    conf_wrong = _mean_by_item(
        trials.confidence, trials.item, has_confidence & ~trials.correct, n_items
    )
    scored = ~np.isnan(model_correct)
    n_models = scored.sum(axis=1) if model_correct.shape[1] else np.zeros(n_items, dtype=int)
    models_right = np.where(scored, model_correct, 0.0).sum(axis=1).astype(int)
    with np.errstate(invalid="ignore", divide="ignore"):
        models = np.where(n_models > 0, models_right / np.maximum(n_models, 1), np.nan)
    agreement = np.where(np.isnan(models), np.nan, np.maximum(models, 1 - models))
    pooled, below_half = pooled_accuracy(k, n)
    candidates = np.where(np.isfinite(models) & (models < 0.5), below_half, np.nan)
    wrong_flags = bayes_flags(candidates)
    negative_flags = benjamini_hochberg(p_negative) & (discrimination < 0)
    low, high = np.full(n_items, np.nan), np.full(n_items, np.nan)
    if (n > 0).any():
        low[n > 0], high[n > 0] = wilson_intervals(k[n > 0], n[n > 0])
    rows: list[ItemRowReport] = []
    for i in range(n_items):
        reasons = []
        if wrong_flags[i]:
            reasons.append(REASON_WRONG)
        if negative_flags[i]:
            reasons.append(REASON_NEGATIVE)
        rows.append(
            {
                "item_id": int(bank.ids[i]),
                "source": bank.sources[i],
                "n": int(n[i]),
                "k": int(k[i]),
                "accuracy": float(k[i] / n[i]) if n[i] else None,
                "low": _float(low[i]),
                "high": _float(high[i]),
                "accuracy_pooled": _float(pooled[i]),
                "p_below_half": _float(below_half[i]),
                "models_right": int(models_right[i]),
                "models_correct": _float(models[i]),
                "models_agreement": _float(agreement[i]),
                "n_models": int(n_models[i]),
                "discrimination": _float(discrimination[i]),
                "discrimination_n": int(discrimination_n[i]),
                "discrimination_p": _float(p_negative[i]),
                "confidence_right": _float(conf_right[i]),
                "confidence_wrong": _float(conf_wrong[i]),
                "defect": bank.defects[i],
                "suspect": bool(reasons),
                "suspect_reasons": reasons,
            }
        )
    return rows
