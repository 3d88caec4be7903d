"""How sure are we about human accuracy, once trials are counted in their participants and items?

Two ways that respect both kinds of clustering, computed side by side:

* crossed random-effects logistic models of correctness, fitted by GPBoost (Laplace
  approximation, maximum likelihood), one per item source: for the humans, random intercepts for
  each participant and each item and, where asked, a fixed effect of the standardised expertise
  rating; for the models the same with a random intercept per
  scorer. Accuracy is read off on the probability scale by integrating over the random effects
  (population-averaged), its interval from draws of the estimates' sampling distribution (normal,
  with the standard errors GPBoost reports). The human-model gap is the difference of the two
  fits' accuracies. The two fits give the humans' and the models' item effects each their own
  variance and treat them as independent: conservative for the gap, since item difficulty for
  humans and for models correlates positively (weakly: 0.15 in the paper);
* a crossed ("pigeonhole") bootstrap: participants and items resampled independently, each
  replicate weighting a trial by how often its participant and its item were drawn.

Beside them the report keeps the Wilson interval (trials as independent, the paper's unit) and a
bootstrap over participants only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from types import ModuleType

import numpy as np
from scipy.special import expit

# GPBoost writes its optimiser's notes to standard output unless given a logger: they go to the
# log instead, so that `manage.py report --json` stays JSON.
_LOG = logging.getLogger("braintrial.analysis.gpboost")
_LOG.addHandler(logging.NullHandler())

N_DRAWS = 4000
N_BOOTSTRAP = 2000
SEED = 20240101
N_HERMITE = 40


@dataclass(frozen=True)
class Answers:
    """One row per answer, all on items of one source: who gave it (a participant's or a
    scorer's id), on which item (its id), whether it was right; expertise (1..100, NaN where
    not rated) only for human answers."""

    respondent: np.ndarray
    item: np.ndarray
    correct: np.ndarray
    expertise: np.ndarray | None = None


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class CrossedFit:
    """One crossed fit: the population-averaged accuracy with its 95% interval, the
    random-effect standard deviations and the fixed effects (logit scale)."""

    accuracy: Interval
    sd_respondents: float
    sd_items: float
    fixed: dict[str, Interval]
    n_answers: int
    n_respondents: int
    n_items: int
    draws: np.ndarray  # of the accuracy, kept to form the gap with another fit
    # How: LOGISTIC (sds in logits) or ANOVA (sds on the probability scale).
    method: str = "logistic"


def marginal_accuracy(linear: np.ndarray, variance: np.ndarray) -> np.ndarray:
    """E[logistic(linear + x)] for x ~ N(0, variance), elementwise (Gauss-Hermite)."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(N_HERMITE)
    weights = weights / weights.sum()
    shifted = np.asarray(linear)[..., None] + np.sqrt(np.asarray(variance))[..., None] * nodes
    return (expit(shifted) * weights).sum(axis=-1)


def _interval(draws: np.ndarray, estimate: float) -> Interval:
    return Interval(
        estimate=float(estimate),
        low=float(np.quantile(draws, 0.025)),
        high=float(np.quantile(draws, 0.975)),
    )


# GPBoost's default optimiser first; where its approximate Hessian at the optimum is not
# positive definite (no standard error), the same model again with the others it offers.
OPTIMISERS: tuple[dict[str, str], ...] = (
    {},
    {"optimizer_cov": "gradient_descent"},
    {"optimizer_cov": "nelder_mead"},
)


@cache
def _gpboost() -> ModuleType:
    """GPBoost, loaded where a fit needs it (the background worker), not when a web worker
    starts."""
    import gpboost

    gpboost.register_logger(_LOG)
    return gpboost


def _fit(answers: Answers, exog: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(coefficients and their standard errors, variances and theirs), each two rows."""
    gpboost = _gpboost()
    for params in OPTIMISERS:
        model = gpboost.GPModel(
            group_data=np.column_stack([answers.respondent, answers.item]),
            likelihood="bernoulli_logit",
            num_parallel_threads=1,
        )
        try:
            model.fit(y=answers.correct.astype(float), X=exog, params=params)
        except gpboost.basic.GPBoostError:
            continue  # e.g. no finite likelihood at the start on a tiny study: the next one
        coef = np.asarray(model.get_coef(std_err=True), dtype=float)
        if np.isfinite(coef).all():
            return coef, np.asarray(model.get_cov_pars(std_err=True), dtype=float)
    raise ValueError("the crossed model has no standard errors at its optimum")


def crossed_fit(answers: Answers, *, with_expertise: bool = False, seed: int = SEED) -> CrossedFit:
    """Fit correctness ~ 1 (+ standardised expertise) + (1 | respondent) + (1 | item) on the
    answers of one item source. Needs answers from at least two respondents on two items.
    Fits whose draws are to be combined (``gap``) need different seeds: independent draws."""
    columns, names = [np.ones(answers.correct.size)], ["intercept"]
    if with_expertise and answers.expertise is not None:
        rated = np.nan_to_num(answers.expertise, nan=float(np.nanmean(answers.expertise)))
        columns.append((rated - rated.mean()) / (rated.std() or 1.0))
        names.append("expertise")
    coef, cov = _fit(answers, np.column_stack(columns))
    rng = np.random.default_rng(seed)
    fixed = rng.normal(coef[0], coef[1], (N_DRAWS, coef.shape[1]))
    # Variances drawn from their normal approximation, cut at zero. A variance estimated at the
    # boundary has no standard error: it is taken as it is.
    var = np.maximum(cov[0], 0.0)
    se = np.where(np.isfinite(cov[1]), cov[1], 0.0)
    total = np.clip(rng.normal(var, se, (N_DRAWS, 2)), 0.0, None).sum(axis=1)
    draws = marginal_accuracy(fixed[:, 0], total)
    return CrossedFit(
        accuracy=_interval(draws, float(marginal_accuracy(coef[0, 0], var.sum()))),
        sd_respondents=float(np.sqrt(var[0])),
        sd_items=float(np.sqrt(var[1])),
        fixed={n: _interval(fixed[:, j], float(coef[0, j])) for j, n in enumerate(names)},
        n_answers=int(answers.correct.size),
        n_respondents=int(np.unique(answers.respondent).size),
        n_items=int(np.unique(answers.item).size),
        draws=draws,
    )


def gap(*, humans: CrossedFit, models: CrossedFit) -> Interval:
    """Models minus humans on the probability scale (the two fits drawn with different
    seeds)."""
    return _interval(
        models.draws - humans.draws, models.accuracy.estimate - humans.accuracy.estimate
    )


def bootstrap_participants(
    *, participant: np.ndarray, correct: np.ndarray, n: int = N_BOOTSTRAP, seed: int = SEED
) -> Interval:
    """Accuracy over trials with participants resampled (their trials go with them)."""
    _, person = np.unique(participant, return_inverse=True)
    n_people = int(person.max()) + 1
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n_people, np.full(n_people, 1 / n_people), size=n)
    right = np.bincount(person, correct.astype(float), n_people)
    total = np.bincount(person, minlength=n_people).astype(float)
    draws = (counts @ right) / (counts @ total)
    return Interval(float(correct.mean()), *np.quantile(draws, [0.025, 0.975]).tolist())


def bootstrap_crossed(
    *,
    participant: np.ndarray,
    item: np.ndarray,
    correct: np.ndarray,
    n: int = N_BOOTSTRAP,
    seed: int = SEED,
) -> Interval:
    """Accuracy over trials with participants and items resampled independently: a trial
    counts (times its participant was drawn) x (times its item was drawn)."""
    _, person = np.unique(participant, return_inverse=True)
    _, it = np.unique(item, return_inverse=True)
    n_people, n_items = int(person.max()) + 1, int(it.max()) + 1
    rng = np.random.default_rng(seed)
    draws = np.empty(n)
    y = correct.astype(float)
    for start in range(0, n, 250):  # blocks of replicates: bounded memory at any study size
        size = min(250, n - start)
        wp = rng.multinomial(n_people, np.full(n_people, 1 / n_people), size=size)
        wi = rng.multinomial(n_items, np.full(n_items, 1 / n_items), size=size)
        weight = wp[:, person] * wi[:, it]
        with np.errstate(invalid="ignore"):
            draws[start : start + size] = (weight @ y) / weight.sum(axis=1)
    draws = draws[np.isfinite(draws)]
    return Interval(float(y.mean()), *np.quantile(draws, [0.025, 0.975]).tolist())


def bootstrap_items(
    *, item: np.ndarray, correct: np.ndarray, n: int = N_BOOTSTRAP, seed: int = SEED
) -> Interval:
    """Accuracy over trials with items resampled (their trials go with them)."""
    _, it = np.unique(item, return_inverse=True)
    return bootstrap_participants(participant=it, correct=correct, n=n, seed=seed)


@dataclass(frozen=True)
class Separation:
    """Items whose every answer is right (ceiling) or wrong (floor), among items answered at
    least twice: where they abound, the Laplace approximation of a crossed logistic model
    overstates the item variance and the population-averaged accuracy drifts from the data."""

    n_items: int
    ceiling: int
    floor: int

    @property
    def share(self) -> float:
        return (self.ceiling + self.floor) / self.n_items if self.n_items else 0.0


def separation(*, item: np.ndarray, correct: np.ndarray) -> Separation:
    _, it = np.unique(item, return_inverse=True)
    n = np.bincount(it)
    k = np.bincount(it, correct.astype(float))
    twice = n >= 2
    return Separation(
        n_items=int(twice.sum()),
        ceiling=int((twice & (k == n)).sum()),
        floor=int((twice & (k == 0)).sum()),
    )


def bootstrap_gap(
    *,
    human_person: np.ndarray,
    human_item: np.ndarray,
    human_correct: np.ndarray,
    scorer: np.ndarray,
    model_item: np.ndarray,
    model_correct: np.ndarray,
    n: int = N_BOOTSTRAP,
    seed: int = SEED,
) -> Interval:
    """Models' minus humans' accuracy with participants, scorers and items resampled
    independently, each item drawn once for both sides (the gap is paired by item). Like every
    crossed bootstrap it counts the answers' own noise more than once: it errs wide."""
    item_ids, it = np.unique(np.concatenate([human_item, model_item]), return_inverse=True)
    hi, mi = it[: human_item.size], it[human_item.size :]
    _, hp = np.unique(human_person, return_inverse=True)
    _, ms = np.unique(scorer, return_inverse=True)
    n_items, n_people, n_scorers = item_ids.size, int(hp.max()) + 1, int(ms.max()) + 1
    rng = np.random.default_rng(seed)
    draws = np.empty(n)
    yh, ym = human_correct.astype(float), model_correct.astype(float)
    for start in range(0, n, 250):
        size = min(250, n - start)
        wi = rng.multinomial(n_items, np.full(n_items, 1 / n_items), size=size)
        wp = rng.multinomial(n_people, np.full(n_people, 1 / n_people), size=size)
        ws = rng.multinomial(n_scorers, np.full(n_scorers, 1 / n_scorers), size=size)
        weight_h = wp[:, hp] * wi[:, hi]
        weight_m = ws[:, ms] * wi[:, mi]
        with np.errstate(invalid="ignore"):
            draws[start : start + size] = (weight_m @ ym) / weight_m.sum(axis=1) - (
                weight_h @ yh
            ) / weight_h.sum(axis=1)
    draws = draws[np.isfinite(draws)]
    estimate = float(ym.mean() - yh.mean())
    return Interval(estimate, *np.quantile(draws, [0.025, 0.975]).tolist())


def crossed_anova(answers: Answers, *, seed: int = SEED) -> CrossedFit | None:
    """The mean accuracy of a complete crossed design (every respondent answered every item:
    the scorers on a bank), with its 95% interval from the two-way analysis of variance: the
    variance components of respondents, items and their interaction estimated by their moments
    on the probability scale, so that the variance of the mean is sd_respondents^2 / S +
    sd_items^2 / I + residual / (S I). Holds at ceiling, where a logistic model's Laplace
    approximation does not: the estimate is the raw proportion. None where the answers are
    not complete (some respondent misses some item) or there are fewer than two of either."""
    respondents, r = np.unique(answers.respondent, return_inverse=True)
    items, i = np.unique(answers.item, return_inverse=True)
    n_r, n_i = respondents.size, items.size
    if n_r < 2 or n_i < 2 or answers.correct.size != n_r * n_i:
        return None
    y = np.full((n_i, n_r), np.nan)
    y[i, r] = answers.correct.astype(float)
    if np.isnan(y).any():
        return None
    mean = float(y.mean())
    by_item, by_respondent = y.mean(axis=1), y.mean(axis=0)
    ms_items = n_r * float(((by_item - mean) ** 2).sum()) / (n_i - 1)
    ms_respondents = n_i * float(((by_respondent - mean) ** 2).sum()) / (n_r - 1)
    resid = y - by_item[:, None] - by_respondent[None, :] + mean
    ms_resid = float((resid**2).sum()) / ((n_i - 1) * (n_r - 1))
    var_items = max((ms_items - ms_resid) / n_r, 0.0)
    var_respondents = max((ms_respondents - ms_resid) / n_i, 0.0)
    se = float(np.sqrt(var_items / n_i + var_respondents / n_r + ms_resid / (n_i * n_r)))
    draws = np.random.default_rng(seed).normal(mean, se, N_DRAWS)
    return CrossedFit(
        accuracy=Interval(mean, mean - 1.959964 * se, mean + 1.959964 * se),
        sd_respondents=float(np.sqrt(var_respondents)),
        sd_items=float(np.sqrt(var_items)),
        fixed={},
        n_answers=int(answers.correct.size),
        n_respondents=int(n_r),
        n_items=int(n_i),
        draws=draws,
        method="anova",
    )
