"""The report's IRT entry: the experts' ability scale and every scorer placed on it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np

from braintrial.analysis.data import Items, Scores, Trials

from . import irt

MIN_RESPONDENTS = 3
MIN_ITEMS = 3


def enough_answers(respondent: np.ndarray, item: np.ndarray, correct: np.ndarray) -> bool:
    return (
        np.unique(respondent).size >= MIN_RESPONDENTS
        and np.unique(item).size >= MIN_ITEMS
        and 0 < correct.sum() < correct.size
    )


def irt_report(*, items: Items, trials: Trials, t: np.ndarray, scores: Scores) -> dict[str, Any]:
    person_ids, person = np.unique(trials.participant_id[t], return_inverse=True)
    if not enough_answers(person, trials.item[t], trials.correct[t]):
        return {
            "fitted": False,
            "note": "too few human answers to fit the scale",
            "slope": 0.0,
            "converged": False,
            "n_participants": int(person_ids.size),
            "n_items": 0,
            "humans": {
                "ability_mean": 0.0,
                "ability_quantiles": {},
                "abilities": [],
                "top_percent_of_median": 50.0,
            },
            "scorers": [],
        }
    fit = irt.rasch_fit(
        irt.Responses(
            person=person,
            item=trials.item[t],
            correct=trials.correct[t],
            n_people=int(person_ids.size),
            n_items=int(items.ids.size),
        )
    )
    placed = []
    for j, scorer in enumerate(scores.scorers):
        where = irt.ability_place(fit=fit, correct=scores.correct[:, j])
        if where is not None:
            placed.append(
                {"name": scorer["name"], "display_name": scorer["display_name"]} | asdict(where)
            )
    quantiles = np.quantile(fit.ability, [0.1, 0.25, 0.5, 0.75, 0.9]).tolist()
    return {
        "fitted": True,
        "note": "",
        "slope": fit.slope,
        "converged": fit.converged,
        "n_participants": int(person_ids.size),
        "n_items": int(np.isfinite(fit.difficulty).sum()),
        "humans": {
            "ability_mean": float(fit.ability.mean()),
            "ability_quantiles": dict(zip(["10", "25", "50", "75", "90"], quantiles, strict=True)),
            "abilities": [round(float(a), 4) for a in np.sort(fit.ability)],
            "top_percent_of_median": 50.0,
        },
        "scorers": sorted(placed, key=lambda row: -row["ability"]),
    }
