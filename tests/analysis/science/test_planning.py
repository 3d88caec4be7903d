"""Planning: the number of participants it names gives the interval it promises, checked by
simulating whole studies of that size (stated tolerance: the simulated half-width within 15% of
the target)."""

from __future__ import annotations

import numpy as np

from braintrial.analysis.science.planning import (
    Components,
    participants_for_half_width,
    participants_for_power,
    variances,
)

COMPONENTS = Components(
    intercept=0.6, model_effect=1.2, sd_people=0.3, sd_items=0.8, sd_scorers=0.5
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
    v = variances(COMPONENTS)
    big = participants_for_power(v, gap=0.15, power=0.8, per_participant=9, bank=300)
    small = participants_for_power(v, gap=0.05, power=0.8, per_participant=9, bank=300)
    assert big.participants is not None and big.achieved >= 0.8
    assert small.participants is None or small.participants > big.participants
