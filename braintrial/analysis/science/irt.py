"""Item response theory with language models as test takers (numpy and scipy only, no Django).

The model is a one-parameter logistic (Rasch) model with a common slope:
``P(correct | person p, item i) = logistic(a * z_p - b_i)``, abilities ``z ~ N(0, 1)`` in the
population of the human participants. Difficulties ``b_i`` and the slope ``a`` are estimated by
marginal maximum likelihood (EM over Gauss-Hermite quadrature) from the human responses alone, so
the scale is the humans' own: 0 is the median expert, 1 one standard deviation above.

Why not the 2PL: a trial design like BrainBench's shows each item to a handful of participants
(about five per item for 171 participants and 200 items), far too few to estimate a slope per
item. A weak normal prior on the difficulties (sd ``B_PRIOR_SD`` on the logit scale) keeps items
that everybody got right (or wrong) finite instead of at infinity.

A scorer is then placed on the same scale from its choices on the same items, holding the
difficulties fixed: its ability is the posterior mean (EAP) of z given its right and wrong
answers, with a 95% credible interval, and the share of the human population it outperforms is
``Phi(z)`` ("performs like the top 100 * (1 - Phi(z))% of the experts").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse
from scipy.special import expit, log_expit
from scipy.stats import norm

# Quadrature points for the population integral, and the grid on which one test taker's
# ability is read off (models may stand far above the human range).
N_QUADRATURE = 41
ABILITY_GRID = np.linspace(-15.0, 15.0, 3001)
B_PRIOR_SD = 3.0  # the difficulties' spread at the start; then fitted to the bank
MIN_DIFFICULTY_SD = 0.05
MAX_ITERATIONS = 1000
TOLERANCE = 1e-9
# Slopes at which the profile likelihood is evaluated, and its 95% cut-off (chi-square, 1 df).
SLOPE_GRID = np.round(np.arange(0.0, 3.001, 0.05), 2)
PROFILE_TOLERANCE = 1e-8
CHI2_95 = 3.841


@dataclass(frozen=True)
class Responses:
    """Right and wrong answers, one entry per response: who (0..n_people-1), which item
    (0..n_items-1), and whether it was right."""

    person: np.ndarray
    item: np.ndarray
    correct: np.ndarray
    n_people: int
    n_items: int

    @cached_property
    def by_person(self) -> sparse.csr_matrix:
        """people x responses, 1 where the response is the person's: times a responses x k
        array, each person's sums (as np.add.at adds them, in the same order; a tenth of the
        time, and the EM sums them on every iteration)."""
        ones = np.ones(self.person.size)
        responses = np.arange(self.person.size)
        return sparse.csr_matrix((ones, (self.person, responses)), (self.n_people, responses.size))


@dataclass(frozen=True)
class RaschFit:
    difficulty: np.ndarray  # b_i on the logit scale; NaN for items nobody answered
    difficulty_sd: np.ndarray  # b_i's posterior sd (partial pooling), NaN likewise
    difficulty_prior: tuple[float, float]  # the difficulties' mean and sd over the bank
    slope: float  # a: the logit change per standard deviation of human ability
    ability: np.ndarray  # EAP of z for each person
    ability_sd: np.ndarray  # posterior sd of z for each person
    log_likelihood: float  # marginal, at the estimates
    iterations: int
    converged: bool


@dataclass(frozen=True)
class Placement:
    """One test taker on the human ability scale."""

    ability: float  # EAP of z
    low: float  # 2.5% of the posterior
    high: float  # 97.5%
    n_items: int
    top_percent: float  # "performs like the top x% of the human experts": 100 * (1 - Phi(z))
    top_percent_low: float  # at the interval's high end (the best case)
    top_percent_high: float  # at the interval's low end


def _quadrature() -> tuple[np.ndarray, np.ndarray]:
    nodes, weights = np.polynomial.hermite_e.hermegauss(N_QUADRATURE)
    return nodes, weights / weights.sum()


def _person_posterior(
    responses: Responses, difficulty: np.ndarray, slope: float, nodes: np.ndarray, log_w: np.ndarray
) -> tuple[np.ndarray, float]:
    """Posterior weights of each person over ``nodes`` (people x nodes) and the marginal
    log-likelihood."""
    eta = slope * nodes[None, :] - difficulty[responses.item][:, None]
    log_p = log_expit(eta)  # log P(right); log P(wrong) = log_p - eta
    loglik = np.where(responses.correct[:, None], log_p, log_p - eta)
    per_person = responses.by_person @ loglik  # each person's log-likelihood at each node
    joint = per_person + log_w[None, :]
    top = joint.max(axis=1, keepdims=True)
    marginal = top[:, 0] + np.log(np.exp(joint - top).sum(axis=1))
    return np.exp(joint - marginal[:, None]), float(marginal.sum())


def _m_step(
    responses: Responses,
    posterior: np.ndarray,
    difficulty: np.ndarray,
    slope: float,
    nodes: np.ndarray,
    answered: np.ndarray,
    prior: tuple[float, float],
    fixed_slope: bool,
) -> tuple[np.ndarray, float, np.ndarray]:
    """One Newton step on the expected complete-data log-posterior for every difficulty (each
    its own one-dimensional problem, under the normal prior ``prior`` = (mean, sd)) and, unless
    it is held fixed, for the common slope. Also each difficulty's posterior precision."""
    weight = posterior[responses.person]  # responses x nodes
    eta = slope * nodes[None, :] - difficulty[responses.item][:, None]
    p = expit(eta)
    residual = weight * (responses.correct[:, None] - p)
    info = weight * p * (1 - p)
    n = responses.n_items
    mu, tau = prior
    # d/db of the log-likelihood is -(y - p); the prior adds -(b - mu) / tau^2.
    grad_b = -np.bincount(responses.item, residual.sum(axis=1), n) - (difficulty - mu) / tau**2
    precision = np.bincount(responses.item, info.sum(axis=1), n) + 1 / tau**2
    difficulty = np.where(answered, difficulty + grad_b / precision, difficulty)
    if not fixed_slope:
        grad_a = float((residual * nodes[None, :]).sum())
        hess_a = -float((info * nodes[None, :] ** 2).sum())
        slope = max(slope - grad_a / hess_a, 0.0)
    return difficulty, slope, precision


def _prior_update(
    difficulty: np.ndarray, precision: np.ndarray, answered: np.ndarray
) -> tuple[float, float]:
    """The difficulties' normal distribution over the bank (partial pooling), from their
    current estimates and posterior variances."""
    b, var = difficulty[answered], 1 / precision[answered]
    mu = float(b.mean())
    tau = math.sqrt(max(float(np.mean((b - mu) ** 2 + var)), MIN_DIFFICULTY_SD**2))
    return mu, tau


def rasch_fit(
    responses: Responses,
    *,
    slope: float | None = None,
    start: RaschFit | None = None,
    tolerance: float = TOLERANCE,
) -> RaschFit:
    """Marginal maximum-likelihood (EM) estimates of the common slope (or the slope given) and
    partially pooled difficulties, and each person's EAP ability, from ``start``'s difficulties
    where given. Needs at least one response."""
    if responses.correct.size == 0:
        raise ValueError("no responses to fit")
    nodes, weights = _quadrature()
    log_w = np.log(weights)
    counts = np.bincount(responses.item, minlength=responses.n_items)
    answered = counts > 0
    rate = np.bincount(responses.item, responses.correct, responses.n_items) / np.maximum(counts, 1)
    difficulty = -np.log(np.clip(rate, 0.05, 0.95) / (1 - np.clip(rate, 0.05, 0.95)))
    prior = (float(difficulty[answered].mean()), B_PRIOR_SD)
    if start is not None:
        difficulty = np.where(answered, np.nan_to_num(start.difficulty), difficulty)
        prior = start.difficulty_prior
    current = 1.0 if slope is None else slope
    precision = np.ones(responses.n_items)
    previous, converged, iteration = -np.inf, False, 0
    while iteration < MAX_ITERATIONS and not converged:
        iteration += 1
        posterior, loglik = _person_posterior(responses, difficulty, current, nodes, log_w)
        converged = abs(loglik - previous) < tolerance * max(1.0, abs(loglik))
        previous = loglik
        if not converged:
            difficulty, current, precision = _m_step(
                responses, posterior, difficulty, current, nodes, answered, prior, slope is not None
            )
            prior = _prior_update(difficulty, precision, answered)
    posterior, loglik = _person_posterior(responses, difficulty, current, nodes, log_w)
    mean = posterior @ nodes
    sd = np.sqrt(np.maximum(posterior @ nodes**2 - mean**2, 0.0))
    return RaschFit(
        difficulty=np.where(answered, difficulty, np.nan),
        difficulty_sd=np.where(answered, 1 / np.sqrt(precision), np.nan),
        difficulty_prior=prior,
        slope=current,
        ability=mean,
        ability_sd=sd,
        log_likelihood=loglik,
        iterations=iteration,
        converged=converged,
    )


@dataclass(frozen=True)
class SlopeEvidence:
    """What the answers say about the slope (how much the experts differ, in logits per
    standard deviation): its profile-likelihood estimate and 95% interval, and whether the
    interval stays away from zero (else the spread of experts is not identified)."""

    estimate: float
    low: float
    high: float
    identified: bool
    grid: list[float]
    profile: list[float]  # twice the log-likelihood below its maximum, on the grid
    fit: RaschFit  # the fit at the estimate


def slope_profile(responses: Responses, *, grid: np.ndarray | None = None) -> SlopeEvidence:
    """The profile likelihood of the slope: the difficulties refitted at each slope of the
    grid. The interval is where twice the log-likelihood lies within 3.84 of its maximum."""
    grid = SLOPE_GRID if grid is None else grid
    loglik, fit, fits = np.full(grid.size, -np.inf), None, []
    for j, a in enumerate(grid):  # each fit starts from its neighbour's difficulties
        fit = rasch_fit(responses, slope=float(a), start=fit, tolerance=PROFILE_TOLERANCE)
        loglik[j] = fit.log_likelihood
        fits.append(fit)
        if 2 * (loglik[: j + 1].max() - loglik[j]) > 2 * CHI2_95:
            break  # well past the interval's upper end: the profile only falls from here
    grid, loglik = grid[np.isfinite(loglik)], loglik[np.isfinite(loglik)]
    drop = 2 * (loglik.max() - loglik)
    best = int(np.argmax(loglik))
    return SlopeEvidence(
        estimate=float(grid[best]),
        low=_crossing(grid[: best + 1][::-1], drop[: best + 1][::-1]),
        high=_crossing(grid[best:], drop[best:]),
        # One bool of both: ``bool(x) and y`` is y itself, a numpy bool that JSON cannot write.
        identified=bool(drop[0] > CHI2_95 and grid[0] == 0.0),
        grid=[float(a) for a in grid],
        profile=[float(d) for d in drop],
        fit=fits[best],
    )


def _crossing(grid: np.ndarray, drop: np.ndarray) -> float:
    """Where ``drop`` (rising along ``grid`` from the maximum) first reaches the cut-off,
    interpolated linearly between grid points; the grid's end where it never does."""
    above = np.flatnonzero(drop > CHI2_95)
    if above.size == 0:
        return float(grid[-1])
    j = int(above[0])
    share = (CHI2_95 - drop[j - 1]) / (drop[j] - drop[j - 1])
    return float(grid[j - 1] + share * (grid[j] - grid[j - 1]))


@dataclass(frozen=True)
class Advantage:
    """A test taker's logit advantage over the average expert, with its 95% interval (the
    uncertainty of its own answers and of every item difficulty)."""

    estimate: float
    low: float
    high: float
    n_items: int
    n_right: int


def difficulty_draws(
    *, fit: RaschFit, responses: Responses, n_draws: int, rng: np.random.Generator
) -> np.ndarray:
    """Draws of every answered item's difficulty from its posterior (n_draws x items; NaN
    columns for items nobody answered). Where the slope is zero the experts' answers on an
    item are binomial given its difficulty, and the draws come from the exact posterior on a
    grid (skewed for an item everybody got right); otherwise from the normal approximation."""
    answered = np.isfinite(fit.difficulty)
    draws = np.full((n_draws, fit.difficulty.size), np.nan)
    if fit.slope > 0:
        normal = rng.standard_normal((n_draws, int(answered.sum())))
        draws[:, answered] = fit.difficulty[answered] + fit.difficulty_sd[answered] * normal
        return draws
    n = np.bincount(responses.item, minlength=responses.n_items)[answered][:, None]
    k = np.bincount(responses.item, responses.correct, responses.n_items)[answered][:, None]
    mu, tau = fit.difficulty_prior
    grid = mu + tau * np.linspace(-6.0, 6.0, 481)
    log_post = k * log_expit(-grid) + (n - k) * log_expit(grid) - 0.5 * ((grid - mu) / tau) ** 2
    post = np.exp(log_post - log_post.max(axis=1, keepdims=True))
    cdf = np.cumsum(post, axis=1)
    cdf /= cdf[:, -1:]
    u = rng.random((int(answered.sum()), n_draws))
    at = np.array([np.searchsorted(row, draw) for row, draw in zip(cdf, u, strict=True)])
    draws[:, answered] = grid[np.minimum(at, grid.size - 1)].T
    # The bank's mean difficulty is itself estimated: every draw shifts the items by a draw of
    # its error, each item by the prior's share of its posterior (nearly all of it at about
    # five answers an item).
    p = np.clip(expit(-fit.difficulty[answered]), 0.02, 0.98)
    sampling = 1 / (n[:, 0] * p * (1 - p))  # an item logit's variance from its answers
    se_mean = math.sqrt(1 / float(np.sum(1 / (tau**2 + sampling))))
    prior_share = (1 / tau**2) / (1 / tau**2 + 1 / sampling)
    shift = se_mean * rng.standard_normal(n_draws)
    draws[:, answered] += shift[:, None] * prior_share[None, :]
    return draws


def advantage(
    *,
    fit: RaschFit,
    correct: np.ndarray,
    draws: np.ndarray,
    rng: np.random.Generator,
) -> Advantage | None:
    """theta with P(right on item i) = logistic(theta - b_i) for the test taker, where the
    average expert's is logistic(-b_i). For each draw of the difficulties (``draws``, from
    ``difficulty_draws``) the maximum-likelihood theta, and theta drawn from its sampling
    distribution around it: the median of those is the estimate, their 2.5% and 97.5%
    quantiles the interval. None without a usable answer, or where every answer is right or
    every one wrong (no finite estimate)."""
    usable = ~np.isnan(correct) & ~np.isnan(fit.difficulty)
    y = correct[usable] == 1.0
    if not usable.any() or y.all() or not y.any():
        return None
    b = draws[:, usable]
    theta = np.zeros(b.shape[0])
    for _ in range(100):  # Newton, every draw at once; steps capped (the log-likelihood is
        # concave, but flat far out where a full step would overshoot)
        p = expit(theta[:, None] - b)
        info = np.maximum((p * (1 - p)).sum(axis=1), 1e-12)
        step = np.clip((y[None, :] - p).sum(axis=1) / info, -2.0, 2.0)
        theta += step
        if np.abs(step).max() < 1e-9:
            break
    p = expit(theta[:, None] - b)
    se = 1 / np.sqrt((p * (1 - p)).sum(axis=1))
    sampled = theta + se * rng.standard_normal(theta.size)
    low, mid, high = np.quantile(sampled, [0.025, 0.5, 0.975])
    return Advantage(float(mid), float(low), float(high), int(usable.sum()), int(y.sum()))


def ability_place(*, fit: RaschFit, correct: np.ndarray) -> Placement | None:
    """A test taker's ability on the human scale from its answers to the items (``correct``:
    1.0 / 0.0 per item, NaN where it has none; items the humans never answered are skipped).
    None without a usable answer."""
    usable = ~np.isnan(correct) & ~np.isnan(fit.difficulty)
    if not usable.any():
        return None
    eta = fit.slope * ABILITY_GRID[:, None] - fit.difficulty[usable][None, :]
    right = correct[usable][None, :] == 1.0
    loglik = np.where(right, log_expit(eta), log_expit(-eta)).sum(axis=1)
    log_post = loglik + norm.logpdf(ABILITY_GRID)
    post = np.exp(log_post - log_post.max())
    post /= post.sum()
    cdf = np.cumsum(post)
    mean = float(post @ ABILITY_GRID)
    low = float(ABILITY_GRID[np.searchsorted(cdf, 0.025)])
    high = float(ABILITY_GRID[min(int(np.searchsorted(cdf, 0.975)), ABILITY_GRID.size - 1)])
    return Placement(
        ability=mean,
        low=low,
        high=high,
        n_items=int(usable.sum()),
        top_percent=float(100 * norm.sf(mean)),
        top_percent_low=float(100 * norm.sf(high)),
        top_percent_high=float(100 * norm.sf(low)),
    )
