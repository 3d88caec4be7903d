"""The IRT estimation recovers known parameters from simulated responses, in a sparse design
like a real study's (each person sees a small share of the items)."""

from __future__ import annotations

import numpy as np
import pytest

from braintrial.analysis.science.irt import (
    Responses,
    ability_place,
    advantage,
    difficulty_draws,
    rasch_fit,
    slope_profile,
)

from .published_design import published_design

# Stated tolerances for the recovery (seeded: the same draw every run).
DIFFICULTY_RMSE = 0.35  # logits, over items with at least 10 responses
DIFFICULTY_CORRELATION = 0.93
SLOPE_ERROR = 0.2
ABILITY_CORRELATION = 0.6  # EAP from 20 answers each is noisy by nature
PLACEMENT_ERROR = 0.35  # a model answering every item, in human standard deviations


def simulate(
    *, n_people: int, n_items: int, per_person: int, slope: float, seed: int
) -> tuple[Responses, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    ability = rng.standard_normal(n_people)
    difficulty = rng.normal(-0.5, 1.0, n_items)
    person = np.repeat(np.arange(n_people), per_person)
    item = np.concatenate([rng.choice(n_items, per_person, replace=False) for _ in range(n_people)])
    p = 1 / (1 + np.exp(-(slope * ability[person] - difficulty[item])))
    correct = rng.random(p.size) < p
    return Responses(person, item, correct, n_people, n_items), ability, difficulty


def test_rasch_fit_recovers_difficulties_slope_and_abilities() -> None:
    responses, ability, difficulty = simulate(
        n_people=600, n_items=120, per_person=20, slope=1.3, seed=7
    )
    fit = rasch_fit(responses)
    assert fit.converged
    counts = np.bincount(responses.item, minlength=responses.n_items)
    well = counts >= 10
    error = fit.difficulty[well] - difficulty[well]
    assert np.sqrt(np.mean(error**2)) < DIFFICULTY_RMSE
    assert np.corrcoef(fit.difficulty[well], difficulty[well])[0, 1] > DIFFICULTY_CORRELATION
    assert abs(fit.slope - 1.3) < SLOPE_ERROR
    assert np.corrcoef(fit.ability, ability)[0, 1] > ABILITY_CORRELATION


@pytest.mark.parametrize("true_ability", [-1.0, 0.5, 2.0])
def test_a_test_taker_answering_every_item_is_placed_where_it_stands(true_ability: float) -> None:
    responses, _, difficulty = simulate(
        n_people=600, n_items=200, per_person=20, slope=1.3, seed=11
    )
    fit = rasch_fit(responses)
    rng = np.random.default_rng(3)
    p = 1 / (1 + np.exp(-(1.3 * true_ability - difficulty)))
    answers = (rng.random(difficulty.size) < p).astype(float)
    placed = ability_place(fit=fit, correct=answers)
    assert placed is not None and placed.n_items == 200
    assert abs(placed.ability - true_ability) < PLACEMENT_ERROR
    assert placed.low < true_ability < placed.high
    assert placed.top_percent_low < placed.top_percent < placed.top_percent_high


def test_items_nobody_answered_are_left_out_not_guessed() -> None:
    responses, _, _ = simulate(n_people=100, n_items=30, per_person=5, slope=1.0, seed=1)
    wider = Responses(responses.person, responses.item, responses.correct, responses.n_people, 31)
    fit = rasch_fit(wider)
    assert np.isnan(fit.difficulty[30])
    only_unanswered = np.full(31, np.nan)
    only_unanswered[30] = 1.0
    assert ability_place(fit=fit, correct=only_unanswered) is None


def test_an_item_everybody_got_right_stays_finite() -> None:
    responses, _, _ = simulate(n_people=200, n_items=20, per_person=10, slope=1.0, seed=2)
    correct = responses.correct.copy()
    correct[responses.item == 0] = True
    fit = rasch_fit(Responses(responses.person, responses.item, correct, 200, 20))
    assert np.isfinite(fit.difficulty[0]) and fit.difficulty[0] < np.nanmedian(fit.difficulty)


def test_a_real_spread_of_experts_is_identified_by_the_slope_profile() -> None:
    responses, _, _ = simulate(n_people=300, n_items=60, per_person=15, slope=1.0, seed=5)
    evidence = slope_profile(responses)
    assert evidence.identified
    assert evidence.low < 1.0 < evidence.high


def test_on_the_published_answers_the_spread_of_experts_is_not_identified() -> None:
    """The published study's regime (about five answers an item): the slope's profile
    likelihood is flat down to zero, so no "top x%" can be given; the models' advantage over
    the average expert is estimated, with an interval."""
    design = published_design()
    responses = Responses(design.person, design.item, design.correct, design.n_people, 200)
    evidence = slope_profile(responses)
    assert not evidence.identified and evidence.low == 0.0 and evidence.high < 0.5
    fit = rasch_fit(responses, slope=evidence.estimate)
    rng = np.random.default_rng(1)
    draws = difficulty_draws(fit=fit, responses=responses, n_draws=1000, rng=rng)
    paper = [
        advantage(fit=fit, correct=design.models[:, j].astype(float), draws=draws, rng=rng)
        for j in np.flatnonzero(design.paper_llm)
    ]
    assert all(a is not None and 0 < a.low < a.estimate < a.high for a in paper)
    best = max(a.estimate for a in paper if a is not None)
    assert 0.8 < best < 1.6  # logits above the average expert


@pytest.mark.slow
def test_the_advantage_interval_covers_the_truth_on_the_published_design() -> None:
    """200 simulated studies on the published design (participants, items and answers per
    item kept; item logits and a model's advantage drawn from the published fit): the
    advantage's 95% interval covers the true advantage in 93-97% of them."""
    design = published_design()
    rng = np.random.default_rng(2024)
    true_advantage, covered = 1.1, 0
    n_studies = 200
    for _ in range(n_studies):
        difficulty = rng.normal(-0.66, 0.65, 200)
        eta = -difficulty[design.item]
        correct = rng.random(eta.size) < 1 / (1 + np.exp(-eta))
        responses = Responses(design.person, design.item, correct, design.n_people, 200)
        fit = rasch_fit(responses, slope=0.0, tolerance=1e-7)
        model = (rng.random(200) < 1 / (1 + np.exp(-(true_advantage - difficulty)))).astype(float)
        draws = difficulty_draws(fit=fit, responses=responses, n_draws=1000, rng=rng)
        placed = advantage(fit=fit, correct=model, draws=draws, rng=rng)
        covered += placed is not None and placed.low <= true_advantage <= placed.high
    print(f"advantage interval coverage: {covered / n_studies:.3f}")
    assert 0.93 <= covered / n_studies <= 0.97
