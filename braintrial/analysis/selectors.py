"""The study report: every figure the dashboard, the API and ``manage.py report`` show.

Pure reads. Answers and scores are loaded once into numpy arrays (analysis.data) and every
figure is computed from them in vectorised code (analysis.stats, analysis.figures).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from braintrial.studies.models import Study

from . import figures
from .data import SOURCES, items_load, scores_load, trials_load
from .paper import paper_analyses
from .paper.panel import reproduction_panel
from .participation import exposure, participation
from .rules import ExclusionRules

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
    "GPT-4-written, 'all' = both, beyond the paper: models scored on 300 items, humans on "
    "every included trial.",
    "paper": "The paper's analyses computed the paper's way (analysis.paper; definitions in "
    "each module); 'reproduction' sets each beside the paper's figure.",
}


def study_report(*, study: Study, rules: ExclusionRules | None = None) -> dict[str, Any]:
    """Every analysis figure of ``study`` under ``rules`` (default: the study's own rules).

    JSON-serialisable. Structure (an ``Acc`` is
    ``{"accuracy", "sem", "low", "high": float | None, "n": int, "k": int}``, low/high the
    95% Wilson interval)::

        {
          "study": {"id", "slug", "title", "bank", "is_open"},
          "rules": {"failed_catch", "no_slider", "outside_help", "recognised", "fast": bool,
                    "min_rt_ms": int, "completed_only": bool},
          "methods": {name: str},                 # how each figure is computed
          "scorers": [{"id", "name", "display_name", "is_published", "n_items_scored"}],
          "scorers_skipped": [{... same, "reason"}],  # scores incomplete, no succeeded run
          "sources": {"all" | "human" | "gpt4": {
              "n_items": int,                      # test items in scope of this source
              "humans": {"accuracy": Acc, "by_section": {section: Acc},
                         "by_position": {position label: Acc}, "top_expertise": Acc},
              "models": {scorer name: {"accuracy": Acc, "by_section": {section: Acc}}},
              "calibration": {"humans": Calib, "models": {scorer name: Calib}},
              "expertise": Calib,                   # accuracy by expertise bins
              "agreement": {"n_items": int, "scorers": [name],
                            "human_model": {name: rho | None},
                            "model_model": [[rho | None]],   # scorers x scorers
                            "mean_human_model": float | None,
                            "mean_model_model": float | None},
              "team": {scorer name: {"n": int, "team": Acc, "human": Acc, "model": Acc,
                                     "weights": {"human", "model"}, "beats_both": bool,
                                     "validation": str}},   # {} for "all"
          }},
          "participation": {"visited", "declined", "started", "active",
                            "completed", "abandoned", "withdrawn", "answered_trials",
                            "unfinished_trials",
                            "included_trials",
                            "included_participants", "excluded_participants",
                            "excluded_trials",
                            "flagged": {rule: {"participants": int, "trials": int}},
                            "by_day": [{"date": "YYYY-MM-DD", "started", "completed",
                                        "answered"}]},
          "exposure": {"items": [{"item_id", "abstract_id", "source", "journal_section",
                                  "n_assigned", "n_answered", "n_included"}],
                       "by_source": {source: {"n_items", "min", "max", "mean"}}},
          "paper": {"scorers": [{... scorer, "model_source", "family", "params_b", "kind",
                                 "base_model", "released", "paper_llm"}],
                    "human" | "gpt4": {"headline", "agreement", "agreement_log_ratio",
                                       "base_vs_chat", "size", "braingpt", "memorisation",
                                       "by_subfield", "expertise", "calibration", "teams", ...}},
          "reproduction": {"citation": str, "rows": [{"key", "analysis", "paper", "app",
                           "definition", "n", "matches": bool | None, "note"}]},
        }

    A ``Calib`` is ``{"n": int, "bins": [{"bin", "n", "score_min", "score_max", "score_mean",
    "accuracy"}], "fit": {"slope", "intercept"}}``. The headline human figure (the paper's
    63.4%) is ``report["sources"]["human"]["humans"]["accuracy"]``.
    """
    rules = rules or ExclusionRules.from_study(study)
    items = items_load(study=study)
    trials = trials_load(study=study, items=items, rules=rules)
    included = trials.included(rules)

    scope = np.zeros(items.ids.size, dtype=bool)
    scope[trials.item] = True
    if not scope.any():
        scope[:] = True
    scores = scores_load(study=study, items=items, scope=scope)

    sources: dict[str, Any] = {}
    for key in ("all", *SOURCES):
        item_mask = scope if key == "all" else scope & (items.source == SOURCES.index(key))
        trial_mask = included & item_mask[trials.item]
        sources[key] = figures.source_analysis(
            items=items, trials=trials, scores=scores, item_mask=item_mask, trial_mask=trial_mask
        )
    paper = paper_analyses(
        items=items, trials=trials, included=included, scores=scores, scope=scope
    )
    for key in SOURCES:
        sources[key]["team"] = paper[key]["teams"]["pairs"]
    sources["all"]["team"] = {}
    report = {
        "study": {
            "id": study.pk,
            "slug": study.slug,
            "title": study.title,
            "bank": study.bank,
            "is_open": study.is_open,
        },
        "rules": rules.as_dict(),
        "methods": METHODS,
        "scorers": scores.scorers,
        "scorers_skipped": scores.skipped,
        "sources": sources,
        "participation": participation(study=study, trials=trials, included=included, rules=rules),
        "exposure": exposure(study=study, items=items, trials=trials, included=included),
        "paper": paper,
    }
    report["reproduction"] = reproduction_panel(report=report)
    return report
