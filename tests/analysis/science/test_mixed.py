"""The crossed random-effects model and the crossed bootstrap: two ways to the same answer.

Stated tolerances: over 12 simulated crossed studies with a known population-averaged accuracy,
the model's 95% interval covers it at least 9 times and its mean estimate is within 0.015; on one
data set the model's estimate is within 0.03 of the crossed bootstrap's and its half-width within
a factor of two of the bootstrap's (the pigeonhole bootstrap is known to be conservative: it
counts the trial-level noise more than once).
"""

from __future__ import annotations

import numpy as np
import pytest

from braintrial.analysis.science.mixed import (
    Answers,
    bootstrap_crossed,
    bootstrap_participants,
    crossed_fit,
    gap,
    marginal_accuracy,
)

ESTIMATE_TOLERANCE = 0.03
HALF_WIDTH_RATIO = (0.5, 2.0)


def simulate(
    *, intercept: float, sd_people: float, sd_items: float, n_people: int, n_items: int, seed: int
) -> Answers:
    rng = np.random.default_rng(seed)
    per_person = 9
    person = np.repeat(np.arange(n_people), per_person)
    item = np.concatenate([rng.choice(n_items, per_person, replace=False) for _ in range(n_people)])
    u = rng.normal(0, sd_people, n_people)
    v = rng.normal(0, sd_items, n_items)
    p = 1 / (1 + np.exp(-(intercept + u[person] + v[item])))
    return Answers(respondent=person, item=item, correct=rng.random(p.size) < p)


def test_marginal_accuracy_integrates_over_the_random_effects() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(0.0, 1.5, 400_000)
    by_monte_carlo = np.mean(1 / (1 + np.exp(-(0.7 + x))))
    assert marginal_accuracy(np.array(0.7), np.array(1.5**2)) == pytest.approx(
        by_monte_carlo, abs=2e-3
    )


def test_the_interval_covers_the_truth_across_simulated_studies() -> None:
    intercept, sd_people, sd_items = 0.6, 0.4, 0.8
    truth = float(marginal_accuracy(np.array(intercept), np.array(sd_people**2 + sd_items**2)))
    estimates, covered = [], 0
    for seed in range(12):
        answers = simulate(
            intercept=intercept,
            sd_people=sd_people,
            sd_items=sd_items,
            n_people=200,
            n_items=120,
            seed=seed,
        )
        fit = crossed_fit(answers)
        estimates.append(fit.accuracy.estimate)
        covered += fit.accuracy.low < truth < fit.accuracy.high
    # 95% intervals: 9 or more of 12 cover unless they are far too narrow (P < 0.002 at 95%).
    assert covered >= 9
    assert abs(np.mean(estimates) - truth) < ESTIMATE_TOLERANCE / 2


def test_model_and_crossed_bootstrap_agree_on_the_same_data() -> None:
    answers = simulate(
        intercept=0.6, sd_people=0.4, sd_items=0.8, n_people=300, n_items=150, seed=5
    )
    fit = crossed_fit(answers)
    boot = bootstrap_crossed(
        participant=answers.respondent, item=answers.item, correct=answers.correct
    )
    assert abs(fit.accuracy.estimate - boot.estimate) < ESTIMATE_TOLERANCE
    model_half = (fit.accuracy.high - fit.accuracy.low) / 2
    boot_half = (boot.high - boot.low) / 2
    assert HALF_WIDTH_RATIO[0] < model_half / boot_half < HALF_WIDTH_RATIO[1]
    assert fit.sd_items == pytest.approx(0.8, abs=0.3)


def test_clustering_widens_the_interval_beyond_the_trials_as_independent() -> None:
    answers = simulate(
        intercept=0.6, sd_people=0.3, sd_items=1.2, n_people=200, n_items=100, seed=9
    )
    by_person = bootstrap_participants(participant=answers.respondent, correct=answers.correct)
    crossed = bootstrap_crossed(
        participant=answers.respondent, item=answers.item, correct=answers.correct
    )
    fit = crossed_fit(answers)
    n = answers.correct.size
    p = answers.correct.mean()
    independent_half = 1.96 * np.sqrt(p * (1 - p) / n)
    assert (fit.accuracy.high - fit.accuracy.low) / 2 > 1.3 * independent_half
    assert crossed.high - crossed.low > by_person.high - by_person.low


def test_the_gap_between_two_fits_is_their_difference() -> None:
    humans = crossed_fit(
        simulate(intercept=0.5, sd_people=0.3, sd_items=0.7, n_people=200, n_items=100, seed=1)
    )
    models = crossed_fit(
        simulate(intercept=1.5, sd_people=0.3, sd_items=0.7, n_people=30, n_items=100, seed=2),
        seed=99,
    )
    found = gap(humans=humans, models=models)
    assert found.estimate == pytest.approx(models.accuracy.estimate - humans.accuracy.estimate)
    assert found.low < found.estimate < found.high
    assert found.low > 0  # an odds ratio of e on the logit scale is no chance difference
