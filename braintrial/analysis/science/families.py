"""Model families as a random effect: models nested in families, test cases crossed.

A chat, instruct or fine-tuned model starts from a base model, and a base model belongs to a
family (Llama-2 7B, 13B and 70B with their chat versions; Falcon; Galactica; Mistral): models of
one family are not independent draws, and a pooled figure says nothing about whether one family
stands apart. The models' answers on a bank are a complete crossed design (every scorer answers
every test case), so, as for the pool's accuracy (analysis.science.mixed.crossed_anova), the
model is written on the probability scale, where it holds also when many test cases are right
for every model:

    share right of model s of family f  =  c + A_f + e_s,
    A_f ~ N(0, sd_between^2),  e_s ~ N(0, sd_within^2),

where c carries the mean and the bank's test cases (the same for every model, so they leave the
differences between models untouched), A_f is the family's own effect and e_s the model's
own difference from its family together with the noise of its answers. The share right of each
model holds all that its answers say about the two variances (its right and wrong answers over
the same test cases as every other model's), and the model is a one-way nested normal model of
these shares (Searle, Casella & McCulloch 1992, ch. 3).

* The between-family standard deviation is read from its restricted (REML) profile likelihood,
  the within-family one profiled out: its estimate, its 95% interval (where twice the
  log-likelihood stays within 3.84 of its maximum) and whether that interval stays away from
  zero. Where it does not, the answers cannot tell whether families differ at all, and the
  report says so in words (as for the experts' spread, analysis.science.abilities).
* Each family's accuracy is partially pooled: its models' share right drawn toward the other
  families' as far as the between-family variance allows. Both variances are uncertain with a
  handful of families, so the family's figure integrates over them (flat priors on the
  between-family sd and on the log of the within-family sd, on a grid; the mean integrated out
  as in REML; Gelman 2006, Bayesian Analysis 1:515), and adds the uncertainty of the bank's
  test cases being a sample (the item variance component of the two-way analysis of variance,
  over the number of test cases). Where families do not differ, each figure is pulled to the
  pool's and its interval is wide enough to hold either.
* The gap per family is the family's accuracy minus the experts' (the humans' crossed fit),
  from independent draws of both, as the pool's gap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .mixed import N_DRAWS, Answers, CrossedFit, Interval, crossed_anova

# Probability scale: the between-family sd on a fine even grid (a flat prior on it), the
# within-family sd on a geometric one (a flat prior on its log).
GRID_BETWEEN = np.linspace(0.0, 0.5, 501)
GRID_WITHIN = np.geomspace(1e-4, 0.5, 161)
CHI2_95 = 3.841
FAMILIES_SEED = 20240104


@dataclass(frozen=True)
class Family:
    """One family's figures: its models (columns of the matrix fitted), their share right, and
    the family's partially pooled accuracy with its 95% interval and draws."""

    name: str
    columns: list[int]
    raw: float
    accuracy: Interval
    draws: np.ndarray


@dataclass(frozen=True)
class FamiliesFit:
    """The between-family standard deviation (probability scale) with its profile interval,
    whether the data identify it, and each family's figures."""

    sd_between: float
    sd_between_low: float
    sd_between_high: float
    identified: bool  # the interval stays away from zero
    at_boundary: bool  # estimated at zero
    sd_within: float  # at the between-family estimate: models' own differences and noise
    n_items: int
    families: list[Family]
    grid: np.ndarray
    profile: np.ndarray  # twice the restricted log-likelihood below its maximum, on the grid


def family_names(scorers: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each scorer's family: its own ``family``; else that of the scorer its ``base_model``
    names (a chat model or fine-tune of a model among them, by ``model_source``); else it is a
    family of its own, named by its ``display_name``."""
    by_source = {s["model_source"]: s for s in scorers if s["model_source"]}
    names = []
    for scorer in scorers:
        seen, current = set(), scorer
        while not current["family"] and current["base_model"] in by_source:
            if current["base_model"] in seen:
                break  # a cycle of base models: no family to inherit
            seen.add(current["base_model"])
            current = by_source[current["base_model"]]
        names.append(str(current["family"] or scorer["display_name"]))
    return names


def _crossing(grid: np.ndarray, drop: np.ndarray) -> float:
    """Where ``drop`` (rising along ``grid`` from the maximum) first passes the cut-off,
    linearly interpolated; the grid's end where it never does."""
    above = np.flatnonzero(drop > CHI2_95)
    if above.size == 0:
        return float(grid[-1])
    j = int(above[0])
    if j == 0:
        return float(grid[0])
    share = (CHI2_95 - drop[j - 1]) / (drop[j] - drop[j - 1])
    return float(grid[j - 1] + share * (grid[j] - grid[j - 1]))


def _restricted_loglik(
    means: np.ndarray, sizes: np.ndarray, ss_within: float, df_within: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """On the grid (between x within): the restricted log-likelihood of the families' mean
    shares and the within-family sum of squares; also each family's variance of its mean
    (between^2 + within^2 / n), their precision-weighted mean and its variance."""
    between2 = GRID_BETWEEN[:, None, None] ** 2
    within2 = GRID_WITHIN[None, :, None] ** 2
    v = between2 + within2 / sizes[None, None, :]
    precision = 1.0 / v
    total = precision.sum(axis=2)
    centre = (precision * means).sum(axis=2) / total
    spread = (precision * (means - centre[..., None]) ** 2).sum(axis=2)
    within2_only = GRID_WITHIN[None, :] ** 2
    loglik = -0.5 * (
        np.log(v).sum(axis=2)
        + spread
        + np.log(total)
        + df_within * np.log(within2_only)
        + ss_within / within2_only
    )
    return loglik, v, centre, 1.0 / total


def families_design_problem(correct: np.ndarray, families: Sequence[str]) -> str:
    """Why the design cannot separate families from models, in words; "" where it can: every
    model's answer on every one of at least two test cases, two families or more, and a
    family with two models or more."""
    y = np.asarray(correct, dtype=float)
    if y.ndim != 2 or y.shape[0] < 2 or y.shape[1] < 2 or np.isnan(y).any():
        return "families need every model's answer on the same test cases (two or more)"
    counts = np.unique(np.asarray(families, dtype=str), return_counts=True)[1]
    if counts.size < 2:
        return "the models are of one family only: there is nothing to compare"
    if counts.max() < 2:
        return (
            "no family has two models: a family's own effect cannot be told apart from its "
            "one model's"
        )
    return ""


def families_fit(
    correct: np.ndarray, families: Sequence[str], *, seed: int = FAMILIES_SEED
) -> FamiliesFit:
    """Fit the nested model to ``correct`` (test cases x scorers, 1 right, 0 wrong, complete)
    with ``families[j]`` the family of column j. The design must pass
    ``families_design_problem`` (ValueError otherwise)."""
    problem = families_design_problem(correct, families)
    if problem:
        raise ValueError(problem)
    y = np.asarray(correct, dtype=float)
    names, group = np.unique(np.asarray(families, dtype=str), return_inverse=True)
    sizes = np.bincount(group).astype(float)
    shares = y.mean(axis=0)
    means = np.bincount(group, shares) / sizes
    ss_within = float(((shares - means[group]) ** 2).sum())
    df_within = int(shares.size - names.size)
    loglik, v, centre, centre_var = _restricted_loglik(means, sizes, ss_within, df_within)
    profile = loglik.max(axis=1)
    drop = 2 * (profile.max() - profile)
    best = int(np.argmax(profile))
    within_at_best = float(GRID_WITHIN[int(np.argmax(loglik[best]))])

    # Each family's accuracy, integrated over the two variances (their grid posterior).
    weight = np.exp(loglik - loglik.max()).ravel()
    weight /= weight.sum()
    shrink = (GRID_BETWEEN[:, None, None] ** 2 / v).reshape(-1, names.size)
    centre, centre_var = centre.ravel()[:, None], centre_var.ravel()[:, None]
    within2 = np.broadcast_to(GRID_WITHIN[None, :] ** 2, v.shape[:2]).reshape(-1, 1)
    mean = (1 - shrink) * centre + shrink * means[None, :]
    var = (1 - shrink) ** 2 * centre_var + shrink * within2 / sizes[None, :]
    anova = crossed_anova(
        Answers(
            respondent=np.tile(np.arange(y.shape[1]), y.shape[0]),
            item=np.repeat(np.arange(y.shape[0]), y.shape[1]),
            correct=y.ravel() == 1.0,
        )
    )
    items_var = 0.0 if anova is None else anova.sd_items**2 / y.shape[0]
    rng = np.random.default_rng(seed)
    at = rng.choice(weight.size, size=N_DRAWS, p=weight)
    draws = np.clip(rng.normal(mean[at], np.sqrt(var[at] + items_var)), 0.0, 1.0)
    estimate = weight @ mean
    fitted = []
    for f, name in enumerate(names):
        fitted.append(
            Family(
                name=str(name),
                columns=[int(j) for j in np.flatnonzero(group == f)],
                raw=float(means[f]),
                accuracy=Interval(
                    estimate=float(estimate[f]),
                    low=float(np.quantile(draws[:, f], 0.025)),
                    high=float(np.quantile(draws[:, f], 0.975)),
                ),
                draws=draws[:, f],
            )
        )
    return FamiliesFit(
        sd_between=float(GRID_BETWEEN[best]),
        sd_between_low=0.0
        if drop[0] <= CHI2_95
        else _crossing(GRID_BETWEEN[: best + 1][::-1], drop[: best + 1][::-1]),
        sd_between_high=_crossing(GRID_BETWEEN[best:], drop[best:]),
        identified=bool(drop[0] > CHI2_95),
        at_boundary=best == 0,
        sd_within=within_at_best,
        n_items=int(y.shape[0]),
        families=sorted(fitted, key=lambda f: -f.accuracy.estimate),
        grid=GRID_BETWEEN,
        profile=drop,
    )


def family_gap(family: Family, *, humans: CrossedFit) -> Interval:
    """The family's accuracy minus the experts' (independent draws of both)."""
    diff = family.draws - humans.draws[: family.draws.size]
    return Interval(
        estimate=family.accuracy.estimate - humans.accuracy.estimate,
        low=float(np.quantile(diff, 0.025)),
        high=float(np.quantile(diff, 0.975)),
    )


def between_in_words(fit: FamiliesFit) -> str:
    """What the answers say about how much families differ, for a neuroscientist."""
    n = len(fit.families)
    points = f"{100 * fit.sd_between:.1f} percentage points"
    interval = f"{100 * fit.sd_between_low:.1f}-{100 * fit.sd_between_high:.1f}"
    if fit.identified:
        return (
            f"the {n} model families differ: beyond the differences between a family's own "
            f"models, a family's share right varies from one family to the next with a "
            f"standard deviation of {points} (95% interval {interval}), so a pooled figure "
            f"averages over families that are not alike"
        )
    said = "at zero" if fit.at_boundary else f"at {points}"
    return (
        f"these answers cannot tell whether the {n} model families differ: the spread between "
        f"families is estimated {said}, and anything from none to "
        f"{100 * fit.sd_between_high:.1f} percentage points fits them as well; each family's "
        f"figure is therefore drawn toward the others', with a range that allows for either"
    )
