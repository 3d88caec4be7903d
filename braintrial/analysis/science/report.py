"""The science part of the study report, from the arrays the report already loaded.

Everything goes through the existing owners: the trials are those the exclusion rules keep
(``included``), the model answers those of the scorers that count under the score-validity rule
(``Scores``), and the result is cached with the rest of the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, cast

import numpy as np

from braintrial.analysis.data import SOURCES, Items, Scores, Trials
from braintrial.analysis.guard import analysis_guarded
from braintrial.analysis.stats import accuracy_counts
from braintrial.analysis.types import AnalysisStatus, FamiliesReport, ScienceReport
from braintrial.analysis.types import Interval as IntervalReport

from . import planning
from .abilities import MIN_ITEMS, MIN_RESPONDENTS, enough_answers, irt_report
from .families import between_in_words, families_design_problem, families_fit, family_gap
from .item_rows import item_rows_compute, items_summary
from .mixed import (
    Answers,
    CrossedFit,
    bootstrap_crossed,
    bootstrap_gap,
    bootstrap_items,
    bootstrap_participants,
    crossed_anova,
    crossed_fit,
    gap,
    separation,
)
from .pools import DEFAULT_POOL, POOLS, pool_columns, pool_label

# Independent draws for the humans' and the models' fits (their difference is the gap).
HUMANS_SEED, MODELS_SEED = 20240101, 20240102
# The planning defaults the dashboard starts from.
DEFAULT_HALF_WIDTH = 0.05
DEFAULT_GAP = 0.10
DEFAULT_POWER = 0.8
# The joint model of the published BrainBench study (human-written items, 171 participants, the
# paper's 15 LLMs; planning.components_estimate), for planning a study that has too little
# data of its own yet.
PUBLISHED_COMPONENTS = planning.Components(
    intercept=0.606,
    sd_people=0.015,
    sd_items=0.671,
    model_intercept=2.863,
    sd_model_items=2.676,
    item_correlation=0.522,
    sd_scorers=0.01,
    n_models=15,
)

METHOD = (
    "Beyond the paper. Pooled model figures name their pool: the paper's 15 LLMs (with the "
    "study's own scorers) by default, every scorer under pools.all. Human accuracy: 'wilson' "
    "counts answers as independent (the headline's, the paper's unit); 'bootstrap_items' "
    "resamples test cases with their answers; 'bootstrap_participants' resamples participants "
    "(errs narrow where items vary); 'bootstrap_crossed' resamples both (errs wide: each "
    "answer's noise counted twice); 'mixed' is a crossed logistic mixed model (GPBoost, "
    "Laplace approximation), shown only where its interval holds the raw proportion. The "
    "models' accuracy of a complete design (every scorer on every item): a two-way analysis of "
    "variance of right and wrong answers (scorers x items), which holds at ceiling; the gap is "
    "models minus humans. IRT: a Rasch model with partially pooled item difficulties fitted by "
    "marginal maximum likelihood to the human answers; the slope (how much the experts differ) "
    "from its profile likelihood; each scorer's logit advantage over the average expert with an "
    "interval carrying the difficulties' uncertainty; 'top_percent' only where the slope's "
    "interval excludes zero. Families (pools.<pool>.families): the models nested in their "
    "families (Scorer.family, else their base model's), test cases crossed; the between-family "
    "sd of the share right from its restricted profile likelihood, not identified where its 95% "
    "interval reaches zero; each family's accuracy partially pooled, integrated over both "
    "variances, with its lead over the experts. Coverage of each interval in simulation: "
    "analysis.science.coverage. Items: see analysis.science.items and the items file's data "
    "dictionary."
)


# A random-effect standard deviation below this (logits) is at its boundary, zero: the data
# cannot tell how large it is, and the page says so instead of a number.
BOUNDARY_SD = 0.05


@dataclass(frozen=True)
class Pool:
    """The scorers a pooled model figure covers: its name, their columns in Scores."""

    key: str
    label: str
    columns: list[int]


@dataclass(frozen=True)
class Lineage:
    """What each scorer's model is, by scorer id: its family (analysis.science.families.
    family_names) and its kind in words ("chat", "LoRA fine-tune", ...); where left out, a
    scorer is a family of its own."""

    families: Mapping[int, str] = field(default_factory=dict)
    kinds: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """What every pool's figures of one source read besides its answers."""

    scores: Scores
    item_rows: np.ndarray
    lineage: Lineage
    statuses: dict[str, AnalysisStatus]
    source: str


def _interval_dict(interval: Any) -> IntervalReport:
    return {"estimate": interval.estimate, "low": interval.low, "high": interval.high}


def _fit_dict(fit: CrossedFit) -> dict[str, Any]:
    return {
        "accuracy": _interval_dict(fit.accuracy),
        "sd_respondents": fit.sd_respondents,
        "sd_items": fit.sd_items,
        "sd_respondents_at_boundary": fit.sd_respondents < BOUNDARY_SD,
        "method": fit.method,
        "fixed": {name: _interval_dict(i) for name, i in fit.fixed.items()},
        "n_answers": fit.n_answers,
        "n_respondents": fit.n_respondents,
        "n_items": fit.n_items,
    }


def _model_answers(scores: Scores, item_rows: np.ndarray, columns: list[int]) -> Answers | None:
    block = scores.correct[np.ix_(item_rows, np.asarray(columns, dtype=np.int64))]
    row, scorer = np.nonzero(~np.isnan(block))
    if row.size == 0:
        return None
    return Answers(
        respondent=np.asarray(columns)[scorer],
        item=item_rows[row],
        correct=block[row, scorer] == 1.0,
    )


def _holds(fit: CrossedFit, answers: Answers) -> str:
    """Empty where the crossed fit agrees with the data; else why it is not shown. The
    population-averaged accuracy is checked against the raw proportion: with items at ceiling
    or floor the Laplace approximation inflates the item variance and the two part."""
    raw = float(answers.correct.mean())
    if fit.accuracy.low <= raw <= fit.accuracy.high:
        return ""
    sep = separation(item=answers.item, correct=answers.correct)
    return (
        f"the crossed model is not shown: its accuracy {fit.accuracy.estimate:.3f} "
        f"({fit.accuracy.low:.3f}-{fit.accuracy.high:.3f}) leaves out the raw proportion "
        f"{raw:.3f}; {sep.ceiling} of {sep.n_items} items are right for every respondent and "
        f"{sep.floor} wrong for every one, where its approximation does not hold"
    )


def _checked_fit(answers: Answers, *, seed: int) -> tuple[CrossedFit | None, str]:
    try:
        fit = crossed_fit(answers, seed=seed)
    except ValueError as exc:
        return None, f"crossed model not fitted: {exc}"
    why = _holds(fit, answers)
    return (None, why) if why else (fit, "")


def _no_families(
    note: str, n_families: int = 0, left_out: list[str] | None = None
) -> FamiliesReport:
    return {
        "fitted": False,
        "left_out": left_out or [],
        "note": note,
        "n_families": n_families,
        "sd_between": None,
        "identified": False,
        "at_boundary": False,
        "sd_within": None,
        "in_words": "",
        "families": [],
    }


def _families_figures(*, pool: Pool, ctx: Context, humans_fit: CrossedFit | None) -> FamiliesReport:
    """The pool's models in their families (analysis.science.families), where the design
    separates families from models; else why not."""
    columns = np.asarray(pool.columns, dtype=np.int64)
    block = ctx.scores.correct[np.ix_(ctx.item_rows, columns)]
    # Scorers without an answer on every test case of the source (the published scores hold
    # only 16 models on the GPT-4-written items) are left out, by name.
    complete = ~np.isnan(block).any(axis=0)
    left_out = [ctx.scores.scorers[j]["display_name"] for j in columns[~complete]]
    block = block[:, complete]
    scorers = [ctx.scores.scorers[j] for j in columns[complete]]
    names = [ctx.lineage.families.get(s["id"]) or s["display_name"] for s in scorers]
    problem = families_design_problem(block, names)
    if problem:
        return _no_families(problem, len(set(names)), left_out)
    name = f"science.families.{ctx.source}.{pool.key}"
    fit = analysis_guarded(name, lambda: families_fit(block, names), lambda: None, ctx.statuses)
    if fit is None:
        return _no_families(ctx.statuses[name]["reason"], len(set(names)), left_out)
    return {
        "fitted": True,
        "left_out": left_out,
        "note": "" if humans_fit is not None else "no modelled experts' accuracy to compare with",
        "n_families": len(fit.families),
        "sd_between": {
            "estimate": fit.sd_between,
            "low": fit.sd_between_low,
            "high": fit.sd_between_high,
        },
        "identified": fit.identified,
        "at_boundary": fit.at_boundary,
        "sd_within": fit.sd_within,
        "in_words": between_in_words(fit),
        "families": [
            {
                "name": family.name,
                "n_scorers": len(family.columns),
                "scorers": [scorers[j]["display_name"] for j in family.columns],
                "kinds": sorted(
                    {ctx.lineage.kinds.get(scorers[j]["id"], "") for j in family.columns} - {""}
                ),
                "raw_accuracy": family.raw,
                "accuracy": _interval_dict(family.accuracy),
                "gap": None
                if humans_fit is None
                else _interval_dict(family_gap(family, humans=humans_fit)),
            }
            for family in fit.families
        ],
    }


def _pool_figures(
    *,
    pool: Pool,
    ctx: Context,
    humans: Answers | None,
    humans_fit: CrossedFit | None,
) -> tuple[dict[str, Any], CrossedFit | None]:
    answers = _model_answers(ctx.scores, ctx.item_rows, pool.columns)
    figures: dict[str, Any] = {
        "key": pool.key,
        "label": pool.label,
        "n_scorers": len(pool.columns),
        "raw_accuracy": None if answers is None else float(answers.correct.mean()),
        "models": None,
        "gap": None,
        "gap_method": "",
        "note": "",
        "families": _no_families("too few model answers"),
    }
    if answers is None or not enough_answers(answers.respondent, answers.item, answers.correct):
        figures["note"] = "too few model answers for the crossed model"
        return figures, None
    # Every scorer answers every item of a bank: the crossed analysis of variance holds there,
    # also with many items at ceiling; the logistic model only where answers are missing.
    fit = crossed_anova(answers, seed=MODELS_SEED)
    why = ""
    if fit is None:
        fit, why = _checked_fit(answers, seed=MODELS_SEED)
    figures["note"] = why
    if fit is not None:
        figures["models"] = _fit_dict(fit)
    figures["families"] = _families_figures(pool=pool, ctx=ctx, humans_fit=humans_fit)
    if humans is None:
        return figures, fit
    if fit is not None and humans_fit is not None:
        figures["gap"] = _interval_dict(gap(humans=humans_fit, models=fit))
        figures["gap_method"] = "crossed models"
    else:
        figures["gap"] = _interval_dict(
            bootstrap_gap(
                human_person=humans.respondent,
                human_item=humans.item,
                human_correct=humans.correct,
                scorer=answers.respondent,
                model_item=answers.item,
                model_correct=answers.correct,
            )
        )
        figures["gap_method"] = (
            "bootstrap over participants, scorers and items (the same items for both sides); "
            "errs wide"
        )
    return figures, fit


def _source(
    *, trials: Trials, t: np.ndarray, ctx: Context, pools: list[Pool]
) -> tuple[dict[str, Any], CrossedFit | None, CrossedFit | None]:
    person, item = trials.participant_id[t], trials.item[t]
    correct = trials.correct[t]
    humans_fit = humans = None
    notes: list[str] = []
    mixed = boot_p = boot_i = boot_c = None
    if enough_answers(person, item, correct):
        boot_p = _interval_dict(bootstrap_participants(participant=person, correct=correct))
        boot_i = _interval_dict(bootstrap_items(item=item, correct=correct))
        boot_c = _interval_dict(bootstrap_crossed(participant=person, item=item, correct=correct))
        expertise = np.where(trials.expertise[t] > 0, trials.expertise[t], np.nan).astype(float)
        humans = Answers(respondent=person, item=item, correct=correct, expertise=expertise)
        humans_fit, why = _checked_fit(humans, seed=HUMANS_SEED)
        if why:
            notes.append(why)
        if humans_fit is not None:
            mixed = _fit_dict(humans_fit)
            if np.isfinite(expertise).sum() >= MIN_RESPONDENTS:
                try:
                    with_expertise = crossed_fit(humans, with_expertise=True, seed=HUMANS_SEED)
                    mixed["expertise_effect"] = _interval_dict(with_expertise.fixed["expertise"])
                except ValueError:
                    pass  # the accuracy stands without the expertise effect
    else:
        notes.append(
            f"too little data for the clustered intervals: at least {MIN_RESPONDENTS} "
            f"participants and {MIN_ITEMS} items with right and wrong answers are needed"
        )
    by_pool: dict[str, Any] = {}
    fits: dict[str, CrossedFit | None] = {}
    for pool in pools:
        by_pool[pool.key], fits[pool.key] = _pool_figures(
            pool=pool, ctx=ctx, humans=humans, humans_fit=humans_fit
        )
    default = by_pool[DEFAULT_POOL]
    sep = separation(item=item, correct=correct)
    summary = {
        "n_trials": int(t.size),
        "n_participants": int(np.unique(person).size),
        "n_items": int(np.unique(item).size),
        "wilson": accuracy_counts(int(correct.sum()), int(correct.size)),
        "bootstrap_participants": boot_p,
        "bootstrap_items": boot_i,
        "bootstrap_crossed": boot_c,
        "mixed": mixed,
        "separation": {"n_items": sep.n_items, "ceiling": sep.ceiling, "floor": sep.floor},
        "pool": default["label"],
        "models": default["models"],
        "gap": default["gap"],
        "pools": by_pool,
        "note": "; ".join(notes),
    }
    return summary, humans_fit, fits[DEFAULT_POOL]


def components_from(
    humans: CrossedFit | None, *, models: np.ndarray, human_k: np.ndarray, human_n: np.ndarray
) -> planning.Components:
    """The planning inputs from this study's fit and answers (``models``: items x scorers of
    the default pool on the human-written items, NaN where missing); the published study's
    where it has no fit."""
    if humans is None:
        return PUBLISHED_COMPONENTS
    complete = models[:, ~np.isnan(models).any(axis=0)] if models.size else models
    if complete.ndim != 2 or complete.shape[1] == 0 or complete.shape[0] < 2:
        return planning.Components(
            intercept=humans.fixed["intercept"].estimate,
            sd_people=humans.sd_respondents,
            sd_items=humans.sd_items,
        )
    return planning.components_estimate(
        intercept=humans.fixed["intercept"].estimate,
        sd_people=humans.sd_respondents,
        sd_items=humans.sd_items,
        models=complete,
        human_k=human_k,
        human_n=human_n,
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
        components, gap=gap_size, power=power, per_participant=per_participant, bank=bank
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
    paper_llms: set[int],
    lineage: Lineage | None = None,
    statuses: dict[str, AnalysisStatus] | None = None,
) -> ScienceReport:
    """The report's ``science`` entry (see METHOD). ``defects``: the importer's note per item
    index; ``per_participant``: test items a participant answers, per source; ``paper_llms``:
    the ids of the scorers that are the paper's LLMs (analysis.science.pools); ``lineage``:
    each scorer's family and kind; ``statuses``: where a guarded part (analysis.guard) says
    why it could not be computed."""
    lineage = lineage or Lineage()
    statuses = {} if statuses is None else statuses
    t_all = np.flatnonzero(included)
    pools = [
        Pool(
            key=key,
            label=pool_label(scores.scorers, paper_llms=paper_llms, pool=key),
            columns=pool_columns(scores.scorers, paper_llms=paper_llms, pool=key),
        )
        for key in POOLS
    ]
    default_pool = next(p for p in pools if p.key == DEFAULT_POOL)
    rows = item_rows_compute(
        items=items,
        trials=trials,
        t=t_all,
        scores=scores,
        defects=defects,
        columns=default_pool.columns,
    )
    intervals: dict[str, Any] = {}
    fits: dict[str, tuple[CrossedFit | None, CrossedFit | None]] = {}
    for k, source in enumerate(SOURCES):
        item_rows = np.flatnonzero(scope & (items.source == k))
        t = t_all[items.source[trials.item[t_all]] == k]
        ctx = Context(
            scores=scores, item_rows=item_rows, lineage=lineage, statuses=statuses, source=source
        )
        summary, humans_fit, models_fit = _source(trials=trials, t=t, ctx=ctx, pools=pools)
        intervals[source] = summary
        fits[source] = (humans_fit, models_fit)
    humans_fit, _ = fits[SOURCES[0]]
    human_rows = np.flatnonzero(scope & (items.source == 0))
    t_human = t_all[items.source[trials.item[t_all]] == 0]
    counts = np.bincount(trials.item[t_human], minlength=items.ids.size)
    rights = np.bincount(trials.item[t_human], trials.correct[t_human], items.ids.size)
    human_models = scores.correct[
        np.ix_(human_rows, np.asarray(default_pool.columns, dtype=np.int64))
    ]
    components = components_from(
        humans_fit, models=human_models, human_k=rights[human_rows], human_n=counts[human_rows]
    )
    agreement = None
    complete = human_models[:, ~np.isnan(human_models).any(axis=0)]
    if humans_fit is not None and components.model_intercept is not None and complete.size:
        low, high = planning.item_correlation_interval(
            components, models=complete, human_k=rights[human_rows], human_n=counts[human_rows]
        )
        agreement = {
            "item_correlation": components.item_correlation,
            "low": low,
            "high": high,
            "pool": default_pool.label,
        }
    bank_size = int((items.source == 0).sum())
    science = {
        "method": METHOD,
        "headline_interval": "wilson",
        "pools": {p.key: {"label": p.label, "n_scorers": len(p.columns)} for p in pools},
        "default_pool": DEFAULT_POOL,
        "items": items_summary(rows, scope=scope),
        "item_rows": rows,
        "intervals": intervals,
        "irt": irt_report(items=items, trials=trials, t=t_all, scores=scores),
        "agreement": agreement,
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
