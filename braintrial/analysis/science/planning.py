"""Planning a study from variance components (numpy only, no Django).

From the crossed model's estimates (the intercept on the logit scale and the standard deviations
of the participant, item and scorer intercepts), the variance of a study's mean human accuracy is
split into its parts on the probability scale:

    Var(accuracy) = V_people / N  +  V_items / I  +  V_residual / (N * m)

for N participants answering m test items each, from a bank of I items (I at most N * m). The
parts are computed by integrating the fitted model (Gauss-Hermite), not by simulation, so the
same inputs always give the same answer. The human-model gap shares the item effects (the same
items for both), so its item part is the variance of the per-item difference.

It answers: how many participants give a chosen 95% interval half-width for human accuracy, and
how many give a chosen power for a given human-model gap (two-sided test at 5%).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import expit
from scipy.stats import norm

N_NODES = 60
MAX_PARTICIPANTS = 1_000_000


@dataclass(frozen=True)
class Components:
    """Logit-scale estimates: the human intercept, the model-minus-human effect (None without
    models) and the random-intercept standard deviations."""

    intercept: float
    model_effect: float | None
    sd_people: float
    sd_items: float
    sd_scorers: float


@dataclass(frozen=True)
class Variances:
    people: float
    items: float
    residual: float
    gap_items: float | None  # variance over items of (model - human) item accuracy
    gap_model_residual: float | None  # the model's own Bernoulli noise per item
    accuracy: float  # population-averaged human accuracy


@dataclass(frozen=True)
class Plan:
    participants: int | None  # None: no number of participants reaches it with this bank
    achieved: float  # the half-width (or power) the answer gives
    limit: str  # what bounds it, in words, where nothing does


def _nodes() -> tuple[np.ndarray, np.ndarray]:
    nodes, weights = np.polynomial.hermite_e.hermegauss(N_NODES)
    return nodes, weights / weights.sum()


def variances(c: Components) -> Variances:
    """The probability-scale parts of the variance, by integrating over both random effects."""
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
    gap_items = gap_model_residual = None
    if c.model_effect is not None:
        s = c.sd_scorers * z
        pm = expit(c.intercept + c.model_effect + s[:, None] + v[None, :])
        model_by_item = w @ pm
        gap_items = float(w @ ((model_by_item - by_item) - (model_by_item - by_item) @ w) ** 2)
        gap_model_residual = float(w @ (model_by_item * (1 - model_by_item)))
    return Variances(people, items, residual, gap_items, gap_model_residual, mean)


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


def _gap_power(v: Variances, n: int, m: int, bank: int, gap: float) -> float:
    items_seen = max(1, min(bank, n * m))
    var = (
        v.people / n
        + v.residual / (n * m)
        + (v.gap_items or 0.0) / items_seen
        + (v.gap_model_residual or 0.0) / items_seen
    )
    se = math.sqrt(var)
    z = norm.ppf(0.975)
    return float(norm.sf(z - abs(gap) / se) + norm.cdf(-z - abs(gap) / se))


def participants_for_power(
    v: Variances, *, gap: float, power: float, per_participant: int, bank: int
) -> Plan:
    """The fewest participants for which a human-model gap of ``gap`` (probability scale) is
    detected with ``power`` by a two-sided test at 5%."""
    if v.gap_items is None:
        return Plan(None, 0.0, "no language model scores to compare with")
    ceiling = _gap_power(v, MAX_PARTICIPANTS, per_participant, bank, gap)
    if ceiling < power:
        return Plan(
            None, ceiling, f"the bank's {bank} items cap the power at {ceiling:.2f}: more items"
        )
    low, high = 1, MAX_PARTICIPANTS
    while low < high:
        mid = (low + high) // 2
        if _gap_power(v, mid, per_participant, bank, gap) >= power:
            high = mid
        else:
            low = mid + 1
    return Plan(low, _gap_power(v, low, per_participant, bank, gap), "")
