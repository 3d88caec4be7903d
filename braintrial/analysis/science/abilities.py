"""The report's IRT entry: each scorer against the average expert, on the logit scale.

What this design identifies decides what is shown. The difficulties of the items are estimated
(partially pooled over the bank, each with its uncertainty), and so is each model's logit
advantage over the average expert. How much the experts differ from one another (the Rasch
slope) is read from its profile likelihood: where its 95% interval reaches zero the data cannot
tell the experts apart, and "performs like the top x% of the experts" would be an artefact of
whatever slope a fit stops at, so it is not given; where the interval stays away from zero it
is, with an interval that carries the slope's uncertainty.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np
from scipy.stats import norm

from braintrial.analysis.data import Items, Scores, Trials

from . import irt

MIN_RESPONDENTS = 3
MIN_ITEMS = 3
N_DRAWS = 2000
ADVANTAGE_SEED = 20240103


def enough_answers(respondent: np.ndarray, item: np.ndarray, correct: np.ndarray) -> bool:
    return (
        np.unique(respondent).size >= MIN_RESPONDENTS
        and np.unique(item).size >= MIN_ITEMS
        and 0 < correct.sum() < correct.size
    )


def _top_percent(advantage: irt.Advantage, slope: irt.SlopeEvidence) -> dict[str, float] | None:
    """The share of experts who would do better, where the spread of experts is identified:
    at the estimates, and at the ends that the advantage's and the slope's intervals allow."""
    if not slope.identified or slope.estimate <= 0:
        return None
    return {
        "estimate": float(100 * norm.sf(advantage.estimate / slope.estimate)),
        "best": float(100 * norm.sf(advantage.high / max(slope.low, 1e-6))),
        "worst": float(100 * norm.sf(advantage.low / slope.high)),
    }


def spread_in_words(slope: irt.SlopeEvidence) -> str:
    if slope.identified:
        return (
            f"the experts differ: one standard deviation of skill is {slope.estimate:.2f} logits "
            f"(95% interval {slope.low:.2f}-{slope.high:.2f})"
        )
    return (
        "these answers cannot tell how much the experts differ from one another: anything from "
        f"no difference to {slope.high:.2f} logits per standard deviation fits them equally "
        "well, so no model is ranked against a share of the experts"
    )


def _not_fitted(n_participants: int, note: str) -> dict[str, Any]:
    return {
        "fitted": False,
        "note": note,
        "n_participants": n_participants,
        "n_items": 0,
        "slope": None,
        "spread": "",
        "difficulty_mean": None,
        "difficulty_sd": None,
        "scorers": [],
    }


def irt_report(*, items: Items, trials: Trials, t: np.ndarray, scores: Scores) -> dict[str, Any]:
    person_ids, person = np.unique(trials.participant_id[t], return_inverse=True)
    if not enough_answers(person, trials.item[t], trials.correct[t]):
        return _not_fitted(int(person_ids.size), "too few human answers to fit the scale")
    responses = irt.Responses(
        person=person,
        item=trials.item[t],
        correct=trials.correct[t],
        n_people=int(person_ids.size),
        n_items=int(items.ids.size),
    )
    slope = irt.slope_profile(responses)
    fit = slope.fit
    rng = np.random.default_rng(ADVANTAGE_SEED)
    draws = irt.difficulty_draws(fit=fit, responses=responses, n_draws=N_DRAWS, rng=rng)
    placed = []
    for j, scorer in enumerate(scores.scorers):
        advantage = irt.advantage(fit=fit, correct=scores.correct[:, j], draws=draws, rng=rng)
        if advantage is not None:
            placed.append(
                {
                    "name": scorer["name"],
                    "display_name": scorer["display_name"],
                    "advantage": asdict(advantage),
                    "top_percent": _top_percent(advantage, slope),
                }
            )
    return {
        "fitted": True,
        "note": "",
        "n_participants": int(person_ids.size),
        "n_items": int(np.isfinite(fit.difficulty).sum()),
        "slope": {
            "estimate": slope.estimate,
            "low": slope.low,
            "high": slope.high,
            "identified": slope.identified,
            "grid": slope.grid,
            "profile": slope.profile,
        },
        "spread": spread_in_words(slope),
        "difficulty_mean": fit.difficulty_prior[0],
        "difficulty_sd": fit.difficulty_prior[1],
        "scorers": sorted(placed, key=lambda row: -row["advantage"]["estimate"]),
    }
