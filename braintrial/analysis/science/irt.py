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

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, log_expit
from scipy.stats import norm

# Quadrature points for the population integral, and the grid on which one test taker's
# ability is read off (models may stand far above the human range).
N_QUADRATURE = 41
ABILITY_GRID = np.linspace(-15.0, 15.0, 3001)
B_PRIOR_SD = 3.0
MAX_ITERATIONS = 1000
TOLERANCE = 1e-7


@dataclass(frozen=True)
class Responses:
    """Right and wrong answers, one entry per response: who (0..n_people-1), which item
    (0..n_items-1), and whether it was right."""

    person: np.ndarray
    item: np.ndarray
    correct: np.ndarray
    n_people: int
    n_items: int


@dataclass(frozen=True)
class RaschFit:
    difficulty: np.ndarray  # b_i on the logit scale; NaN for items nobody answered
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
    loglik = np.where(responses.correct[:, None], log_expit(eta), log_expit(-eta))
    per_person = np.zeros((responses.n_people, nodes.size))
    np.add.at(per_person, responses.person, loglik)
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
) -> tuple[np.ndarray, float]:
    """One Newton step on the expected complete-data log-posterior for every difficulty (each
    its own one-dimensional problem) and for the common slope."""
    weight = posterior[responses.person]  # responses x nodes
    eta = slope * nodes[None, :] - difficulty[responses.item][:, None]
    p = expit(eta)
    residual = weight * (responses.correct[:, None] - p)
    info = weight * p * (1 - p)
    n = responses.n_items
    # d/db of the log-likelihood is -(y - p); the prior adds -b / sd^2.
    grad_b = -np.bincount(responses.item, residual.sum(axis=1), n) - difficulty / B_PRIOR_SD**2
    hess_b = -np.bincount(responses.item, info.sum(axis=1), n) - 1 / B_PRIOR_SD**2
    difficulty = np.where(answered, difficulty - grad_b / hess_b, difficulty)
    grad_a = float((residual * nodes[None, :]).sum())
    hess_a = -float((info * nodes[None, :] ** 2).sum())
    slope = max(slope - grad_a / hess_a, 1e-3)
    return difficulty, slope


def rasch_fit(responses: Responses) -> RaschFit:
    """Marginal maximum-likelihood (EM) estimates of the difficulties and the common slope, and
    each person's EAP ability. Needs at least one response."""
    if responses.correct.size == 0:
        raise ValueError("no responses to fit")
    nodes, weights = _quadrature()
    log_w = np.log(weights)
    answered = np.bincount(responses.item, minlength=responses.n_items) > 0
    rate = np.bincount(responses.item, responses.correct, responses.n_items) / np.maximum(
        np.bincount(responses.item, minlength=responses.n_items), 1
    )
    difficulty = -np.log(np.clip(rate, 0.05, 0.95) / (1 - np.clip(rate, 0.05, 0.95)))
    slope, previous, converged, iteration = 1.0, -np.inf, False, 0
    while iteration < MAX_ITERATIONS and not converged:
        iteration += 1
        posterior, loglik = _person_posterior(responses, difficulty, slope, nodes, log_w)
        converged = abs(loglik - previous) < TOLERANCE * max(1.0, abs(loglik))
        previous = loglik
        if not converged:
            difficulty, slope = _m_step(responses, posterior, difficulty, slope, nodes, answered)
    posterior, loglik = _person_posterior(responses, difficulty, slope, nodes, log_w)
    mean = posterior @ nodes
    sd = np.sqrt(np.maximum(posterior @ nodes**2 - mean**2, 0.0))
    return RaschFit(
        difficulty=np.where(answered, difficulty, np.nan),
        slope=slope,
        ability=mean,
        ability_sd=sd,
        log_likelihood=loglik,
        iterations=iteration,
        converged=converged,
    )


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
