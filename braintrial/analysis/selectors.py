"""The study report: every figure the dashboard, the API and ``manage.py report`` show.

Pure reads. Answers and scores are loaded once into numpy arrays (analysis.data) and every
figure is computed from them in vectorised code (analysis.stats, analysis.figures).
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from braintrial.items.models import Item
from braintrial.items.sources import quota_label
from braintrial.studies.heldout import study_held_out_ids
from braintrial.studies.models import Study
from scoring.cutoffs import Cutoff, scorer_cutoff
from scoring.models import Scorer

from . import figures
from .cutoffs import ItemDates, cutoff_empty, cutoff_report, ordinal
from .data import SOURCES, Items, Scores, Trials, items_load, scores_load, trials_load
from .guard import analysis_guarded
from .heldout import held_out_empty, held_out_report
from .paper import paper_analyses
from .paper.panel import reproduction_panel
from .participation import exposure, participation
from .rules import ExclusionRules
from .science.families import family_names
from .science.item_rows import item_rows_build
from .science.report import Lineage, science_report
from .types import (
    AnalysisStatus,
    CutoffReport,
    HeldOutReport,
    ReportFigures,
    Reproduction,
    RulesInfo,
    ScienceReport,
    SourceFigures,
    SourceReport,
    StudyReport,
    paper_source,
)

METHODS = {
    "accuracy": "Proportion correct over trials (humans) or items (models); k correct of n. "
    "low/high: the 95% Wilson score interval (what the dashboard draws; it stays honest for "
    "small n and at 0% or 100%). sem: the binomial standard error sqrt(p(1-p)/n).",
    "items": "Only test items enter any figure (practice and catch never). Models are scored on "
    "the items this study's participants answered (all of the bank's test items while nobody "
    "has); humans on their answered trials that survive the exclusion rules, by default only "
    "of participants who completed (the catch, slider and outside-help checks happen then).",
    "top_expertise": "Per item, the floor(n*0.2) included trials with the highest expertise "
    "(ties by trial id, i.e. stored order); items with fewer than 5 trials drop out.",
    "calibration": "Sorted by confidence (humans: the slider, 1-100; models: |PPL_original - "
    "PPL_altered|), ties by trial or item id, split into 20 equal-count bins (sizes differ by "
    "at most one). fit: least-squares line of bin accuracy over bin number 1..20.",
    "expertise": "The same 20 equal-count bins, by the expertise slider.",
    "agreement": "Not the paper's definition (that one is in paper.*.agreement): Spearman rank "
    "correlation (average ranks for ties) of item difficulty over the items both sides have, "
    "for every scorer that counts: humans: per-item proportion correct of included trials; "
    "models: ln PPL_altered - ln PPL_original (larger = easier, > 0 = correct).",
    "team": "Beyond the Luo et al. paper: the human-AI team of Yanez, Luo, Valerio Minero and "
    "Love (arXiv 2408.08083): a logistic regression without intercept of the confidence-signed "
    "judgments (human: slider; model: ln PPL_altered - ln PPL_original), leave-one-out "
    "cross-validated over the included trials with a confidence; fitted per item source, so "
    "'all' has none. Human and model alone are on the same trials.",
    "sources": "'human' = human-written test cases (the paper's headline figures), 'gpt4' = "
    "machine-written: GPT-4-written and model-drafted (items.sources; each group's 'label' "
    "names the sources it holds), 'all' = both, beyond the paper: models scored on 300 items, "
    "humans on every included trial.",
    "science": "Beyond the paper: item analysis, clustered intervals, IRT and planning "
    "(analysis.science; its 'method' entry says how).",
    "held_out": "Beyond the paper: accuracy on the public and on the held-out items side by "
    "side (the study holds a share of its bank out of every public download; which items is "
    "drawn by a keyed hash). Humans: included trials, Wilson interval and a 95% bootstrap over "
    "items; models: their items, Wilson.",
    "cutoffs": "Beyond the paper: per model, accuracy on the items published after its "
    "training-data cut-off and on those before (dates are ranges: an item whose range overlaps "
    "the cut-off's is neither); Wilson intervals over items. A cut-off not stated by the "
    "model's makers is its release month, the latest it can be. months: every (model, item) "
    "pair binned by months from the cut-off to the publication (midpoints of the ranges), a "
    "95% bootstrap over items per bin.",
    "paper": "The paper's analyses computed the paper's way (analysis.paper; definitions in "
    "each module); 'reproduction' sets each beside the paper's figure.",
}


def study_report(
    *,
    study: Study,
    rules: ExclusionRules | None = None,
    science: bool = True,
    leave_one_out: bool = True,
) -> StudyReport:
    """Every analysis figure of ``study`` under ``rules`` (default: the study's own rules).

    JSON-serialisable; its shape is ``analysis.types.StudyReport``, each part documented there.
    ``methods`` says in words how each figure is computed. ``science=False`` leaves the science
    entry None: its model fits take most of the time (tens of seconds at 100,000 trials, against
    half a second for the rest), so the dashboard computes them only in the background.

    An analysis that cannot be computed on the data at hand (too few participants, a column that
    does not vary, a fit that does not converge) holds what it shows with no data, and
    ``analyses`` names it with the reason (analysis.guard); every other figure is computed.
    ``leave_one_out``: the teams cross-validated the paper's way (n fits); the dashboard asks for
    it only on the study that shows the paper's panel, elsewhere they are fitted over folds.
    """
    rules = rules or ExclusionRules.from_study(study)
    items, trials, included, scope, scores = _loaded(study=study, rules=rules)
    statuses: dict[str, AnalysisStatus] = {}
    paper = paper_analyses(
        items=items,
        trials=trials,
        included=included,
        scores=scores,
        scope=scope,
        statuses=statuses,
        leave_one_out=leave_one_out,
    )
    sources: dict[str, SourceReport] = {}
    nothing = np.zeros_like(scope)
    for key in ("all", *SOURCES):
        item_mask = scope if key == "all" else scope & (items.source == SOURCES.index(key))
        trial_mask = included & item_mask[trials.item]

        def computed(item_mask: np.ndarray, trial_mask: np.ndarray) -> SourceFigures:
            return figures.source_analysis(
                items=items,
                trials=trials,
                scores=scores,
                item_mask=item_mask,
                trial_mask=trial_mask,
            )

        figures_ = analysis_guarded(
            f"sources.{key}",
            lambda: computed(item_mask, trial_mask),  # noqa: B023 (called at once)
            lambda: computed(nothing, np.zeros_like(trial_mask)),  # noqa: B023
            statuses,
        )
        # The teams are fitted per item source (analysis.paper): none for the pooled items.
        source = paper_source(paper, key)
        written_by = items.sources_of(item_mask)
        sources[key] = {
            **figures_,
            "team": source["teams"]["pairs"] if source else {},
            "label": "all" if key == "all" else quota_label(key, written_by),
            "written_by": written_by,
        }
    report: ReportFigures = {
        "study": {
            "id": study.pk,
            "slug": study.slug,
            "title": study.title,
            "bank": study.bank,
            "is_open": study.is_open,
        },
        "rules": _rules_info(rules),
        "methods": METHODS,
        "scorers": scores.scorers,
        "scorers_skipped": scores.skipped,
        "sources": sources,
        "participation": participation(study=study, trials=trials, included=included, rules=rules),
        "exposure": exposure(study=study, items=items, trials=trials, included=included),
        "paper": paper,
        "analyses": statuses,
    }
    reproduction: Reproduction = analysis_guarded(
        "reproduction",
        lambda: reproduction_panel(report=report),
        _no_reproduction,
        statuses,
    )
    held_out: HeldOutReport = analysis_guarded(
        "held_out",
        lambda: held_out_report(
            share=study.held_out_share,
            held=np.isin(items.ids, sorted(study_held_out_ids(study=study))),
            scope=scope,
            trials=trials,
            included=included,
            scores=scores,
        ),
        lambda: held_out_empty(share=study.held_out_share),
        statuses,
    )
    cutoffs: CutoffReport = analysis_guarded(
        "cutoffs",
        lambda: cutoff_report(
            dates=_item_dates(items.ids),
            scope=scope,
            scores=scores,
            cutoffs=_cutoffs(scores),
        ),
        cutoff_empty,
        statuses,
    )
    if not science:
        return {
            **report,
            "reproduction": reproduction,
            "science": None,
            "held_out": held_out,
            "cutoffs": cutoffs,
        }
    fitted: ScienceReport | None = analysis_guarded(
        "science",
        lambda: science_report(
            items=items,
            trials=trials,
            included=included,
            scores=scores,
            scope=scope,
            defects=_defects(items.ids),
            per_participant={"human": study.n_human_trials, "gpt4": study.n_gpt4_trials},
            paper_llms=_paper_llms(scores),
            lineage=_lineage(scores),
            statuses=statuses,
        ),
        lambda: None,
        statuses,
    )
    return {
        **report,
        "reproduction": reproduction,
        "science": fitted,
        "held_out": held_out,
        "cutoffs": cutoffs,
    }


def _item_dates(item_ids: np.ndarray) -> ItemDates:
    """Each item's publication date (items.models.Item.published_*), in item index order."""
    rows = {
        pk: (first, last, precision, source)
        for pk, first, last, precision, source in Item.objects.filter(
            pk__in=item_ids.tolist()
        ).values_list(
            "pk", "published_first", "published_last", "published_precision", "published_source"
        )
    }
    found = [rows.get(int(pk), (None, None, "", "")) for pk in item_ids]
    return ItemDates(
        first=np.array([ordinal(row[0]) for row in found], dtype=np.int64),
        last=np.array([ordinal(row[1]) for row in found], dtype=np.int64),
        precision=[row[2] for row in found],
        source=[row[3] for row in found],
    )


def _cutoffs(scores: Scores) -> list[Cutoff | None]:
    """The training-data cut-off of each scorer that counts (scoring.cutoffs), in order."""
    fields = ("cutoff_first", "cutoff_last", "cutoff_source", "released")
    ids = [scorer["id"] for scorer in scores.scorers]
    rows = {row["pk"]: row for row in Scorer.objects.filter(pk__in=ids).values("pk", *fields)}
    return [scorer_cutoff(**{field: rows[pk][field] for field in fields}) for pk in ids]


def _no_reproduction() -> Reproduction:
    return {"citation": "", "rows": []}


def _rules_info(rules: ExclusionRules) -> RulesInfo:
    # RulesInfo is ExclusionRules field for field (tests/analysis/test_types.py keeps them so).
    return cast(RulesInfo, rules.as_dict())


def _defects(item_ids: np.ndarray) -> list[str]:
    """The importer's defect note of each item (empty where none), in item index order."""
    notes = dict(Item.objects.filter(pk__in=item_ids.tolist()).values_list("pk", "defect"))
    return [notes.get(int(pk), "") or "" for pk in item_ids]


def study_item_analysis(
    *, study: Study, rules: ExclusionRules | None = None
) -> list[dict[str, Any]]:
    """The item analysis of ``study`` under ``rules`` (default: its own), one dict per test item
    of its bank (analysis.science.items), without the report's model fits."""
    items, trials, included, _, scores = _loaded(study=study, rules=rules)
    return item_rows_build(
        items=items,
        trials=trials,
        included=included,
        scores=scores,
        defects=_defects(items.ids),
        paper_llms=_paper_llms(scores),
    )


def _paper_llms(scores: Scores) -> set[int]:
    """The ids of the scorers that count and are one of the paper's 15 LLMs."""
    ids = [scorer["id"] for scorer in scores.scorers]
    return set(Scorer.objects.filter(pk__in=ids, paper_llm=True).values_list("pk", flat=True))


def _lineage(scores: Scores) -> Lineage:
    """Each counting scorer's family (its own, else its base model's among them, else none)
    and kind, by id."""
    ids = [scorer["id"] for scorer in scores.scorers]
    rows = {
        row["id"]: row
        for row in Scorer.objects.filter(pk__in=ids).values(
            "id", "family", "kind", "base_model", "model_source"
        )
    }
    described = [{**rows[s["id"]], "display_name": s["display_name"]} for s in scores.scorers]
    names = family_names(described)
    return Lineage(
        families={s["id"]: name for s, name in zip(scores.scorers, names, strict=True)},
        kinds={s["id"]: _kind_words(rows[s["id"]]["kind"]) for s in scores.scorers},
    )


def _kind_words(kind: str) -> str:
    """A scorer's kind as the page says it ("LoRA fine-tune"); "" where not given."""
    return str(Scorer.Kind(kind).label) if kind in Scorer.Kind.values else ""


def _loaded(
    *, study: Study, rules: ExclusionRules | None
) -> tuple[Items, Trials, np.ndarray, np.ndarray, Scores]:
    """The study's items, trials (with which survive ``rules``, default its own), the items in
    scope (those its participants answered; all while nobody has) and the valid scores on
    them: what every figure and the item analysis are computed from."""
    rules = rules or ExclusionRules.from_study(study)
    items = items_load(study=study)
    trials = trials_load(study=study, items=items, rules=rules)
    scope = np.zeros(items.ids.size, dtype=bool)
    scope[trials.item] = True
    if not scope.any():
        scope[:] = True
    scores = scores_load(study=study, items=items, scope=scope)
    return items, trials, trials.included(rules), scope, scores
