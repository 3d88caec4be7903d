"""Planning a study from one model of the humans' and the models' answers (numpy and scipy, no
Django).

The model, on the logit scale: a participant p answers item i right with probability
``logistic(intercept + u_p + v_i)``, a language model s with ``logistic(model_intercept + w_s +
v'_i)``; ``u ~ N(0, sd_people^2)``, ``w_s`` the pool's own spread (``sd_scorers``), and the item
effects ``(v_i, v'_i)`` bivariate normal with sds ``sd_items``, ``sd_model_items`` and
correlation ``item_correlation`` (how far the models find hard what the humans find hard).

For N participants answering m test items each from a bank of I items (K = min(I, N m) seen by
humans), the variance of the mean human accuracy is, on the probability scale,

    V_people / N  +  V_items / K  +  V_residual / (N m),

and that of the gap (the models' mean over the bank minus the humans' mean) is

    V_people / N  +  V_residual / (N m)  +  Var(M_i) / I  +  V_items / K  -  2 Cov(M_i, H_i) / I,

where H_i is an item's human accuracy and M_i the mean over the study's models of their answers
on it (their own noise included). The models are the study's given ones, placed at the quantiles
of their fitted spread; for a chosen gap, the models' intercept is set so that their mean
accuracy is the humans' plus the gap. Every part is integrated by Gauss-Hermite quadrature, so
the same inputs always give the same answer; ``tests/analysis/science/test_planning.py``
simulates whole studies from the same model to check the numbers of participants.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy.special import expit, logit
from scipy.stats import norm

N_NODES = 60
MAX_PARTICIPANTS = 1_000_000


@dataclass(frozen=True)
class Components:
    """Logit-scale estimates (see the module's docstring); ``model_intercept`` None without
    models."""

    intercept: float
    sd_people: float
    sd_items: float
    model_intercept: float | None = None
    sd_model_items: float = 0.0
    item_correlation: float = 0.0
    sd_scorers: float = 0.0
    n_models: int = 0


@dataclass(frozen=True)
class Variances:
    people: float
    items: float
    residual: float
    accuracy: float  # population-averaged human accuracy


@dataclass(frozen=True)
class Plan:
    participants: int | None  # None: no number of participants reaches it with this bank
    achieved: float  # the half-width (or power) the answer gives
    limit: str  # what bounds it, in words, where nothing does


def _nodes() -> tuple[np.ndarray, np.ndarray]:
    nodes, weights = np.polynomial.hermite_e.hermegauss(N_NODES)
    return nodes, weights / weights.sum()


def _human_by_item(c: Components, v: np.ndarray) -> np.ndarray:
    """E[p | item effect v] over the participants."""
    z, w = _nodes()
    return expit(c.intercept + c.sd_people * z[None, :] + v[:, None]) @ w


def variances(c: Components) -> Variances:
    """The probability-scale parts of the variance of mean human accuracy."""
    z, w = _nodes()
    u = c.sd_people * z  # participant effect
    v = c.sd_items * z  # item effect
    p = expit(c.intercept + u[:, None] + v[None, :])  # people x items
    joint = w[:, None] * w[None, :]
    mean = float((joint * p).sum())
    by_person = p @ w  # E[p | person]
    by_item = w @ p  # E[p | item]
    people = float(w @ (by_person - mean) ** 2)
    items = float(w @ (by_item - mean) ** 2)
    residual = float((joint * p * (1 - p)).sum())
    return Variances(people, items, residual, mean)


def model_offsets(c: Components) -> np.ndarray:
    """The study's models' own effects, at the quantiles of their fitted spread."""
    n = max(c.n_models, 1)
    return c.sd_scorers * norm.ppf((np.arange(n) + 0.5) / n)


@dataclass(frozen=True)
class GapParts:
    models_mean: float  # the models' mean accuracy over items
    humans_mean: float
    var_models: float  # Var over items of M_i, the models' own noise included
    var_humans: float  # Var over items of H_i
    covariance: float  # Cov over items of (M_i, H_i)


def gap_parts(c: Components, *, model_intercept: float | None = None) -> GapParts:
    """The item-level moments of the models' and the humans' accuracy (2-D quadrature over
    the correlated item effects)."""
    z, w = _nodes()
    rho = float(np.clip(c.item_correlation, -0.999, 0.999))
    z1, z2 = np.meshgrid(z, z, indexing="ij")
    weight = (w[:, None] * w[None, :]).ravel()
    v = c.sd_items * z1.ravel()
    v_model = c.sd_model_items * (rho * z1 + np.sqrt(1 - rho**2) * z2).ravel()
    intercept = c.model_intercept if model_intercept is None else model_intercept
    p = expit((intercept or 0.0) + model_offsets(c)[None, :] + v_model[:, None])  # nodes x S
    m = p.mean(axis=1)
    noise = (p * (1 - p)).sum(axis=1) / p.shape[1] ** 2
    h = _human_by_item(c, v)
    mean_m, mean_h = float(weight @ m), float(weight @ h)
    return GapParts(
        models_mean=mean_m,
        humans_mean=mean_h,
        var_models=float(weight @ (m - mean_m) ** 2 + weight @ noise),
        var_humans=float(weight @ (h - mean_h) ** 2),
        covariance=float(weight @ ((m - mean_m) * (h - mean_h))),
    )


def model_intercept_for(c: Components, gap: float) -> float:
    """The models' intercept at which their mean accuracy is the humans' plus ``gap``."""
    target = gap_parts(c, model_intercept=0.0).humans_mean + gap
    target = min(max(target, 1e-4), 1 - 1e-4)
    low, high = -20.0, 20.0
    for _ in range(60):  # the models' mean rises with their intercept: bisection
        mid = (low + high) / 2
        if gap_parts(c, model_intercept=mid).models_mean < target:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def gap_parts_for(c: Components, gap: float) -> GapParts:
    """The moments in a world where the models' mean accuracy is the humans' plus ``gap``."""
    return gap_parts(c, model_intercept=model_intercept_for(c, gap))


def _accuracy_variance(v: Variances, n: int, m: int, bank: int) -> float:
    items_seen = max(1, min(bank, n * m))
    return v.people / n + v.items / items_seen + v.residual / (n * m)


def participants_for_half_width(
    v: Variances, *, half_width: float, per_participant: int, bank: int
) -> Plan:
    """The fewest participants whose mean human accuracy has a 95% interval of at most
    ``half_width`` either side."""
    z = norm.ppf(0.975)
    floor = z * math.sqrt(v.items / bank)
    if floor >= half_width:
        return Plan(
            None,
            floor,
            f"the bank's {bank} items alone give a half-width of {floor:.3f}: more items needed",
        )
    n = 1
    while z * math.sqrt(_accuracy_variance(v, n, per_participant, bank)) > half_width:
        n *= 2
        if n > MAX_PARTICIPANTS:
            return Plan(None, half_width, "beyond a million participants")
    low, high = max(1, n // 2), n
    while low < high:
        mid = (low + high) // 2
        if z * math.sqrt(_accuracy_variance(v, mid, per_participant, bank)) <= half_width:
            high = mid
        else:
            low = mid + 1
    achieved = z * math.sqrt(_accuracy_variance(v, low, per_participant, bank))
    return Plan(low, achieved, "")


def gap_se(v: Variances, parts: GapParts, n: int, m: int, bank: int) -> float:
    """The standard error of the models' mean over the bank minus the humans' mean over their
    trials, for n participants answering m items each."""
    seen = max(1, min(bank, n * m))
    var = (
        v.people / n
        + v.residual / (n * m)
        + parts.var_models / bank
        + parts.var_humans / seen
        - 2 * parts.covariance / bank
    )
    return math.sqrt(max(var, 1e-12))


def _gap_power(v: Variances, parts: GapParts, n: int, m: int, bank: int, gap: float) -> float:
    se = gap_se(v, parts, n, m, bank)
    z = norm.ppf(0.975)
    return float(norm.sf(z - abs(gap) / se) + norm.cdf(-z - abs(gap) / se))


def participants_for_power(
    c: Components, *, gap: float, power: float, per_participant: int, bank: int
) -> Plan:
    """The fewest participants for which a human-model gap of ``gap`` (probability scale) is
    detected with ``power`` by a two-sided test at 5%, against the study's models."""
    if c.model_intercept is None or c.n_models < 1:
        return Plan(None, 0.0, "no language model scores to compare with")
    v, parts = variances(c), gap_parts_for(c, gap)
    ceiling = _gap_power(v, parts, MAX_PARTICIPANTS, per_participant, bank, gap)
    if ceiling < power:
        return Plan(
            None, ceiling, f"the bank's {bank} items cap the power at {ceiling:.2f}: more items"
        )
    low, high = 1, MAX_PARTICIPANTS
    while low < high:
        mid = (low + high) // 2
        if _gap_power(v, parts, mid, per_participant, bank, gap) >= power:
            high = mid
        else:
            low = mid + 1
    return Plan(low, _gap_power(v, parts, low, per_participant, bank, gap), "")


def components_estimate(
    *,
    intercept: float,
    sd_people: float,
    sd_items: float,
    models: np.ndarray,
    human_k: np.ndarray,
    human_n: np.ndarray,
) -> Components:
    """The models' part of the joint model from their answers (``models``: items x scorers,
    1.0 / 0.0, complete) and the humans' counts per item (the same items), given the humans'
    fitted part: the models' intercept, item and scorer spreads by matching the mean, the
    variance over items of the item means and over scorers of the scorer means; the item
    correlation by matching the covariance over items between the models' item means and the
    humans' share right (the humans' sampling noise is independent of the models', so that
    covariance is unbiased)."""
    from scipy.optimize import least_squares

    base = Components(intercept, sd_people, sd_items)
    n_items, n_models = models.shape
    item_means, scorer_means = models.mean(axis=1), models.mean(axis=0)
    observed = np.array([models.mean(), item_means.var(), scorer_means.var()])
    z, w = _nodes()

    def implied(theta: np.ndarray) -> np.ndarray:
        mu, log_items, log_scorers = theta
        c = replace(
            base,
            model_intercept=mu,
            sd_model_items=math.exp(log_items),
            sd_scorers=math.exp(log_scorers),
            n_models=n_models,
        )
        parts = gap_parts(c)
        offsets = model_offsets(c)
        by_scorer = expit(mu + offsets[:, None] + c.sd_model_items * z[None, :]) @ w
        noise = float((by_scorer * (1 - by_scorer)).mean()) / n_items
        return np.array([parts.models_mean, parts.var_models, by_scorer.var() + noise])

    start = np.array([float(logit(np.clip(observed[0], 0.02, 0.98))), 0.0, math.log(0.5)])
    fit = least_squares(
        # The mean to within a few thousandths; each variance to within some percent.
        lambda t: (implied(t) - observed) / np.array([0.002, 0.05 * observed[1] + 1e-5, 1e-3]),
        start,
        bounds=([-10.0, math.log(0.01), math.log(0.01)], [10.0, math.log(10.0), math.log(5.0)]),
    )
    mu, log_items, log_scorers = fit.x
    fitted = replace(
        base,
        model_intercept=float(mu),
        sd_model_items=math.exp(log_items),
        sd_scorers=math.exp(log_scorers),
        n_models=n_models,
    )
    answered = human_n > 0
    share = np.where(answered, human_k / np.maximum(human_n, 1), np.nan)
    target = float(np.cov(item_means[answered], share[answered])[0, 1])
    return replace(fitted, item_correlation=_correlation_for(fitted, target))


def _correlation_for(c: Components, covariance: float) -> float:
    """The item correlation at which the implied covariance over items between the models'
    item means and the humans' accuracy is ``covariance`` (it rises with the correlation)."""
    from scipy.optimize import brentq

    def miss(rho: float) -> float:
        return gap_parts(replace(c, item_correlation=rho)).covariance - covariance

    if miss(-0.99) * miss(0.99) < 0:
        return float(brentq(miss, -0.99, 0.99, xtol=1e-4))
    return 0.99 if miss(0.99) < 0 else -0.99


def item_correlation_interval(
    c: Components,
    *,
    models: np.ndarray,
    human_k: np.ndarray,
    human_n: np.ndarray,
    n: int = 1000,
    seed: int = 20240104,
) -> tuple[float, float]:
    """A 95% interval of the correlation of the humans' and the models' item effects: the
    items resampled, the covariance recomputed and the correlation solved again, the other
    components held at their estimates (so it errs a little narrow)."""
    answered = np.flatnonzero(human_n > 0)
    item_means = models.mean(axis=1)
    share = human_k / np.maximum(human_n, 1)
    # The implied covariance rises with the correlation: tabulated once, read back per draw.
    grid = np.linspace(-0.99, 0.99, 45)
    implied = np.array([gap_parts(replace(c, item_correlation=r)).covariance for r in grid])
    rng = np.random.default_rng(seed)
    picks = rng.choice(answered, (n, answered.size))
    x, y = item_means[picks], share[picks]
    covariance = ((x - x.mean(axis=1, keepdims=True)) * (y - y.mean(axis=1, keepdims=True))).sum(
        axis=1
    ) / (answered.size - 1)
    low, high = np.quantile(np.interp(covariance, implied, grid), [0.025, 0.975])
    return float(low), float(high)
