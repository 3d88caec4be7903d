"""The science part of the study report, from the arrays the report already loaded.

Everything goes through the existing owners: the trials are those the exclusion rules keep
(``included``), the model answers those of the scorers that count under the score-validity rule
(``Scores``), and the result is cached with the rest of the report.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, cast

import numpy as np

from braintrial.analysis.data import SOURCES, Items, Scores, Trials
from braintrial.analysis.stats import accuracy_counts
from braintrial.analysis.types import Accuracy, ScienceReport

from . import planning
from .abilities import MIN_ITEMS, MIN_RESPONDENTS, enough_answers, irt_report
from .item_rows import item_rows_as_dicts, item_rows_compute, items_summary
from .mixed import Answers, CrossedFit, bootstrap_crossed, bootstrap_participants, crossed_fit, gap

# Independent draws for the humans' and the models' fits (their difference is the gap).
HUMANS_SEED, MODELS_SEED = 20240101, 20240102
# The planning defaults the dashboard starts from.
DEFAULT_HALF_WIDTH = 0.05
DEFAULT_GAP = 0.10
DEFAULT_POWER = 0.8
# Variance components of the published BrainBench study (human-written items, 171 participants,
# 26 published scorers), for planning a study that has too little data of its own yet.
PUBLISHED_COMPONENTS = planning.Components(
    intercept=0.606, model_effect=1.689, sd_people=0.015, sd_items=0.671, sd_scorers=0.717
)

METHOD = (
    "Beyond the paper. Intervals for human accuracy: 'wilson' treats trials as independent "
    "(the headline's, comparable with the paper); 'bootstrap_participants' resamples "
    "participants; 'bootstrap_crossed' resamples participants and items independently; "
    "'mixed' is a crossed random-effects logistic model (GPBoost, Laplace approximation): "
    "random intercepts for participants (scorers) and items, accuracy averaged over them on the "
    "probability scale, 95% interval from the estimates' sampling distribution. The gap is "
    "models minus humans, the models' fit with a random intercept per scorer. IRT: a Rasch "
    "model with a common slope fitted by marginal maximum likelihood to the human answers "
    "(ability N(0, 1) over the experts); each scorer placed on that scale from its answers "
    "(EAP, 95% credible interval); 'top_percent' is the share of experts it would outperform "
    "counted from the top. Items: see the data dictionary of items.csv."
)


@dataclass(frozen=True)
class SourceIntervals:
    n_trials: int
    n_participants: int
    n_items: int
    wilson: Accuracy
    bootstrap_participants: dict[str, float] | None
    bootstrap_crossed: dict[str, float] | None
    mixed: dict[str, Any] | None  # accuracy, sd, fixed effects, with_expertise
    models: dict[str, Any] | None  # the scorers' crossed fit
    gap: dict[str, float] | None  # models minus humans
    note: str


def _interval_dict(interval: Any) -> dict[str, float]:
    return {"estimate": interval.estimate, "low": interval.low, "high": interval.high}


def _fit_dict(fit: CrossedFit) -> dict[str, Any]:
    return {
        "accuracy": _interval_dict(fit.accuracy),
        "sd_respondents": fit.sd_respondents,
        "sd_items": fit.sd_items,
        "fixed": {name: _interval_dict(i) for name, i in fit.fixed.items()},
        "n_answers": fit.n_answers,
        "n_respondents": fit.n_respondents,
        "n_items": fit.n_items,
    }


def _model_answers(scores: Scores, item_rows: np.ndarray) -> Answers | None:
    block = scores.correct[item_rows]
    row, scorer = np.nonzero(~np.isnan(block))
    if row.size == 0:
        return None
    return Answers(respondent=scorer, item=item_rows[row], correct=block[row, scorer] == 1.0)


def _source(
    *, trials: Trials, t: np.ndarray, scores: Scores, item_rows: np.ndarray
) -> tuple[SourceIntervals, CrossedFit | None, CrossedFit | None]:
    person, item = trials.participant_id[t], trials.item[t]
    correct = trials.correct[t]
    humans_fit = models_fit = None
    note = ""
    mixed = boot_p = boot_c = None
    if enough_answers(person, item, correct):
        boot_p = _interval_dict(bootstrap_participants(participant=person, correct=correct))
        boot_c = _interval_dict(bootstrap_crossed(participant=person, item=item, correct=correct))
        expertise = np.where(trials.expertise[t] > 0, trials.expertise[t], np.nan).astype(float)
        answers = Answers(respondent=person, item=item, correct=correct, expertise=expertise)
        try:
            humans_fit = crossed_fit(answers, seed=HUMANS_SEED)
            mixed = _fit_dict(humans_fit)
            if np.isfinite(expertise).sum() >= MIN_RESPONDENTS:
                with_expertise = crossed_fit(answers, with_expertise=True, seed=HUMANS_SEED)
                mixed["expertise_effect"] = _interval_dict(with_expertise.fixed["expertise"])
        except ValueError as exc:
            note = f"crossed model not fitted: {exc}"
    else:
        note = (
            f"too little data for the clustered intervals: at least {MIN_RESPONDENTS} "
            f"participants and {MIN_ITEMS} items with right and wrong answers are needed"
        )
    model_answers = _model_answers(scores, item_rows)
    models = gap_dict = None
    if model_answers is not None and enough_answers(
        model_answers.respondent, model_answers.item, model_answers.correct
    ):
        try:
            models_fit = crossed_fit(model_answers, seed=MODELS_SEED)
            models = _fit_dict(models_fit)
        except ValueError as exc:
            note = f"{note}; scorers' crossed model not fitted: {exc}".strip("; ")
    if humans_fit is not None and models_fit is not None:
        gap_dict = _interval_dict(gap(humans=humans_fit, models=models_fit))
    return (
        SourceIntervals(
            n_trials=int(t.size),
            n_participants=int(np.unique(person).size),
            n_items=int(np.unique(item).size),
            wilson=accuracy_counts(int(correct.sum()), int(correct.size)),
            bootstrap_participants=boot_p,
            bootstrap_crossed=boot_c,
            mixed=mixed,
            models=models,
            gap=gap_dict,
            note=note,
        ),
        humans_fit,
        models_fit,
    )


def components_from(humans: CrossedFit | None, models: CrossedFit | None) -> planning.Components:
    """The planning inputs from this study's fits; the published study's where it has none."""
    if humans is None:
        return PUBLISHED_COMPONENTS
    effect = None
    if models is not None:
        effect = models.fixed["intercept"].estimate - humans.fixed["intercept"].estimate
    return planning.Components(
        intercept=humans.fixed["intercept"].estimate,
        model_effect=effect,
        sd_people=humans.sd_respondents,
        sd_items=humans.sd_items,
        sd_scorers=models.sd_respondents if models is not None else 0.0,
    )


def plan(
    components: planning.Components,
    *,
    half_width: float,
    gap_size: float,
    power: float,
    per_participant: int,
    bank: int,
) -> dict[str, Any]:
    v = planning.variances(components)
    width = planning.participants_for_half_width(
        v, half_width=half_width, per_participant=per_participant, bank=bank
    )
    powered = planning.participants_for_power(
        v, gap=gap_size, power=power, per_participant=per_participant, bank=bank
    )
    return {
        "half_width": half_width,
        "gap": gap_size,
        "power": power,
        "per_participant": per_participant,
        "bank": bank,
        "participants_for_half_width": asdict(width),
        "participants_for_power": asdict(powered),
        "variances": asdict(v),
    }


def science_report(
    *,
    items: Items,
    trials: Trials,
    included: np.ndarray,
    scores: Scores,
    scope: np.ndarray,
    defects: list[str],
    per_participant: dict[str, int],
) -> ScienceReport:
    """The report's ``science`` entry (see METHOD). ``defects``: the importer's note per item
    index; ``per_participant``: test items a participant answers, per source."""
    t_all = np.flatnonzero(included)
    rows = item_rows_compute(trials=trials, t=t_all, scores=scores, defects=defects)
    intervals: dict[str, Any] = {}
    fits: dict[str, tuple[CrossedFit | None, CrossedFit | None]] = {}
    for k, source in enumerate(SOURCES):
        item_rows = np.flatnonzero(scope & (items.source == k))
        t = t_all[items.source[trials.item[t_all]] == k]
        summary, humans_fit, models_fit = _source(
            trials=trials, t=t, scores=scores, item_rows=item_rows
        )
        intervals[source] = asdict(summary)
        fits[source] = (humans_fit, models_fit)
    humans_fit, models_fit = fits[SOURCES[0]]
    components = components_from(humans_fit, models_fit)
    bank_size = int((items.source == 0).sum())
    science = {
        "method": METHOD,
        "headline_interval": "wilson",
        "items": items_summary(rows, scope=scope),
        "item_rows": item_rows_as_dicts(items=items, rows=rows),
        "intervals": intervals,
        "irt": irt_report(items=items, trials=trials, t=t_all, scores=scores),
        "planning": {
            "components": asdict(components),
            "components_from": "this study" if humans_fit is not None else "the published study",
            "default": plan(
                components,
                half_width=DEFAULT_HALF_WIDTH,
                gap_size=DEFAULT_GAP,
                power=DEFAULT_POWER,
                per_participant=max(per_participant.get(SOURCES[0], 1), 1),
                bank=max(bank_size, 1),
            ),
        },
    }
    # Built from plain dicts (dataclasses.asdict): the declaration in analysis.types says
    # their shape, which tests/analysis/science checks on the published study.
    return cast(ScienceReport, science)
