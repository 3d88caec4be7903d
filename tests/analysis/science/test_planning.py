"""Planning: the number of participants it names gives the interval and the power it promises,
checked by simulating whole studies of that size (stated tolerances: the simulated half-width
within 15% of the target; the gap's simulated standard error within 10% of the planner's, at
three settings on the published study's components)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.special import expit

from braintrial.analysis.science.planning import (
    Components,
    components_estimate,
    gap_parts_for,
    gap_se,
    item_correlation_interval,
    model_intercept_for,
    model_offsets,
    participants_for_half_width,
    participants_for_power,
    variances,
)
from braintrial.analysis.science.report import PUBLISHED_COMPONENTS

COMPONENTS = Components(
    intercept=0.6,
    sd_people=0.3,
    sd_items=0.8,
    model_intercept=1.8,
    sd_model_items=1.5,
    item_correlation=0.4,
    sd_scorers=0.5,
    n_models=15,
)


def simulated_half_width(c: Components, *, n: int, m: int, bank: int, studies: int) -> float:
    rng = np.random.default_rng(4)
    means = np.empty(studies)
    for s in range(studies):
        v = rng.normal(0, c.sd_items, bank)  # a new bank of items each study
        u = rng.normal(0, c.sd_people, n)
        person = np.repeat(np.arange(n), m)
        item = np.concatenate([rng.choice(bank, m, replace=False) for _ in range(n)])
        p = 1 / (1 + np.exp(-(c.intercept + u[person] + v[item])))
        means[s] = (rng.random(p.size) < p).mean()
    return 1.96 * float(means.std())


def test_the_planned_participants_give_the_promised_half_width() -> None:
    v = variances(COMPONENTS)
    plan = participants_for_half_width(v, half_width=0.05, per_participant=9, bank=300)
    assert plan.participants is not None and plan.achieved <= 0.05
    found = simulated_half_width(COMPONENTS, n=plan.participants, m=9, bank=300, studies=400)
    assert abs(found - 0.05) / 0.05 < 0.15


def test_more_participants_for_a_tighter_interval_and_a_bank_too_small_says_so() -> None:
    v = variances(COMPONENTS)
    loose = participants_for_half_width(v, half_width=0.06, per_participant=9, bank=300)
    tight = participants_for_half_width(v, half_width=0.03, per_participant=9, bank=300)
    assert loose.participants and tight.participants and tight.participants > loose.participants
    small = participants_for_half_width(v, half_width=0.01, per_participant=9, bank=20)
    assert small.participants is None and "items" in small.limit


def test_power_grows_with_the_gap() -> None:
    big = participants_for_power(COMPONENTS, gap=0.15, power=0.8, per_participant=9, bank=300)
    small = participants_for_power(COMPONENTS, gap=0.05, power=0.8, per_participant=9, bank=300)
    assert big.participants is not None and big.achieved >= 0.8
    assert small.participants is None or small.participants > big.participants


def simulated_gaps(
    c: Components, *, gap: float, n: int, m: int, bank: int, studies: int, seed: int
) -> np.ndarray:
    """The models' mean minus the humans' mean in whole simulated studies: a new bank drawn
    each study, the study's models (fixed) answering every item, n participants answering m
    distinct items each."""
    rng = np.random.default_rng(seed)
    model_intercept = model_intercept_for(c, gap)  # as the planner sets it
    offsets = model_offsets(c)
    rho = c.item_correlation
    out = np.empty(studies)
    for s in range(studies):
        z1, z2 = rng.standard_normal((2, bank))
        v = c.sd_items * z1
        v_model = c.sd_model_items * (rho * z1 + np.sqrt(1 - rho**2) * z2)
        p_models = 1 / (1 + np.exp(-(model_intercept + offsets[None, :] + v_model[:, None])))
        models = rng.random(p_models.shape) < p_models
        u = rng.normal(0, c.sd_people, n)
        item = np.argsort(rng.random((n, bank)), axis=1)[:, :m]
        p = 1 / (1 + np.exp(-(c.intercept + u[:, None] + v[item])))
        out[s] = models.mean() - (rng.random(p.shape) < p).mean()
    return out


@pytest.mark.slow
@pytest.mark.parametrize(
    ("bank", "gap"),
    [(200, 0.10), (1000, 0.05), (50, 0.10)],
    ids=["defaults", "1000-items-gap-0.05", "50-item-bank"],
)
def test_the_gap_power_matches_simulated_studies(bank: int, gap: float) -> None:
    c = PUBLISHED_COMPONENTS
    m = 6  # the published protocol's human-written items per participant
    plan = participants_for_power(c, gap=gap, power=0.8, per_participant=m, bank=bank)
    n = plan.participants or 1000  # a bank too small: checked at 1,000 participants
    gaps = simulated_gaps(c, gap=gap, n=n, m=m, bank=bank, studies=400, seed=bank)
    se = gap_se(variances(c), gap_parts_for(c, gap), n, m, bank)
    print(f"bank {bank}, gap {gap}: n {plan.participants}, se {se:.4f} vs {gaps.std():.4f}")
    assert abs(gaps.mean() - gap) < 0.15 * gap
    assert abs(gaps.std() - se) / se < 0.10
    simulated_power = float(np.mean(np.abs(gaps) > 1.96 * gaps.std()))
    if plan.participants is None:
        assert simulated_power < 0.8
    else:
        assert abs(simulated_power - 0.8) < 0.08


def test_the_item_correlation_is_recovered_free_of_the_humans_answer_noise() -> None:
    """Five answers per item make a plain correlation of human and model item accuracy small;
    the joint model's estimate recovers the correlation of the item effects."""
    truth = replace(COMPONENTS, item_correlation=0.5, sd_scorers=0.3)
    rng = np.random.default_rng(8)
    n_items = 600
    z1, z2 = rng.standard_normal((2, n_items))
    v = truth.sd_items * z1
    v_model = truth.sd_model_items * (0.5 * z1 + np.sqrt(0.75) * z2)
    p_models = expit(
        (truth.model_intercept or 0.0) + model_offsets(truth)[None, :] + v_model[:, None]
    )
    models = (rng.random(p_models.shape) < p_models).astype(float)
    human_n = np.full(n_items, 5)
    human_k = rng.binomial(5, expit(truth.intercept + v))
    fitted = components_estimate(
        intercept=truth.intercept,
        sd_people=truth.sd_people,
        sd_items=truth.sd_items,
        models=models,
        human_k=human_k,
        human_n=human_n,
    )
    plain = np.corrcoef(models.mean(axis=1), human_k / 5)[0, 1]
    assert plain < 0.35  # attenuated by the noise of five answers
    assert abs(fitted.item_correlation - 0.5) < 0.15
    low, high = item_correlation_interval(
        fitted, models=models, human_k=human_k, human_n=human_n, n=300
    )
    assert low < 0.5 < high
