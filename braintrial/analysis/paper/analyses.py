"""Every analysis of the paper for one study, per item source, from the loaded arrays."""

from __future__ import annotations

import numpy as np

from ..data import SOURCES, Items, Scores, Trials
from ..guard import analysis_guarded
from ..stats import accuracy
from ..types import (
    AnalysisStatus,
    PaperBinned,
    PaperCalibrated,
    PaperCalibration,
    PaperReport,
    PaperSource,
    Teams,
)
from . import calibration, humans, model_figures
from .agreement import agreement, human_difficulty
from .data import ModelScores, model_scores_load
from .teams import teams


def paper_analyses(
    *,
    items: Items,
    trials: Trials,
    included: np.ndarray,
    scores: Scores,
    scope: np.ndarray,
    statuses: dict[str, AnalysisStatus] | None = None,
    leave_one_out: bool = True,
) -> PaperReport:
    """{"scorers": the scorers that count, described; "human" | "gpt4": the paper's analyses
    on that source's items in ``scope``}.

    Humans: the ``included`` trials; models: the scorers that count (``scores``), the paper's
    15 LLMs where the paper averages or correlates. Teams: a human with each paper LLM and each
    of the study's own (not published) scorers; the several-model team of the paper LLMs.

    ``statuses`` receives, per source, whether its analyses and its teams could be computed
    (analysis.guard); one that cannot shows what it shows with no data. ``leave_one_out``: the
    teams cross-validated the paper's way (n fits); otherwise over folds, a fraction of the cost.
    """
    model_scores = model_scores_load(items=items, scores=scores)
    statuses = {} if statuses is None else statuses
    nothing = np.zeros(0, dtype=np.int64)

    def analysed(source: str) -> PaperSource:
        code = SOURCES.index(source)
        rows = np.flatnonzero(scope & (items.source == code))
        t = np.flatnonzero(included & (items.source[trials.item] == code))

        def computed(t: np.ndarray, rows: np.ndarray) -> PaperSource:
            return _source(
                items=items,
                trials=trials,
                t=t,
                models=model_scores,
                rows=rows,
                teams_name=f"paper.{source}.teams",
                statuses=statuses,
                leave_one_out=leave_one_out,
            )

        return analysis_guarded(
            f"paper.{source}",
            lambda: computed(t, rows),
            lambda: computed(nothing, nothing),
            statuses,
        )

    return {"scorers": model_scores.scorers, "human": analysed("human"), "gpt4": analysed("gpt4")}


def _source(
    *,
    items: Items,
    trials: Trials,
    t: np.ndarray,
    models: ModelScores,
    rows: np.ndarray,
    teams_name: str,
    statuses: dict[str, AnalysisStatus],
    leave_one_out: bool,
) -> PaperSource:
    correct, item = trials.correct[t], trials.item[t]
    human_acc = accuracy(correct)
    difficulty, _ = human_difficulty(item=item, correct=correct, n_items=items.ids.size)
    llms = models.paper_llms()
    rated = trials.confidence[t] >= 1
    return {
        "n_items": int(rows.size),
        "n_trials": int(t.size),
        "humans": human_acc,
        "headline": model_figures.headline(
            models=models, rows=rows, human_accuracy=human_acc["accuracy"]
        ),
        "agreement": agreement(models=models, human=difficulty, rows=rows, columns=llms),
        "agreement_log_ratio": agreement(
            models=models, human=difficulty, rows=rows, columns=llms, difficulty="log_ratio"
        ),
        "base_vs_chat": model_figures.base_vs_chat(models=models, rows=rows),
        "size": model_figures.size(models=models, rows=rows),
        "braingpt": model_figures.braingpt(models=models, rows=rows),
        "memorisation": model_figures.memorisation(models=models, rows=rows),
        "by_subfield": humans.by_subfield(
            section=items.section,
            labels=items.section_labels,
            trial_section=items.section[item],
            correct=correct,
            expertise=trials.expertise[t],
            models=models,
            rows=rows,
        ),
        "expertise": _expertise(trials=trials, t=t),
        "calibration": _calibration(trials=trials, t=t, models=models, rows=rows),
        "teams": analysis_guarded(
            teams_name,
            lambda: teams(
                item=item[rated],
                correct=correct[rated],
                confidence=trials.confidence[t][rated].astype(np.float64),
                models=models,
                columns=[
                    j
                    for j, scorer in enumerate(models.scorers)
                    if scorer["paper_llm"] or not scorer["is_published"]
                ],
                together=llms,
                leave_one_out=leave_one_out,
            ),
            _no_teams,
            statuses,
        ),
    }


def _no_teams() -> Teams:
    return {"pairs": {}, "with_all": None}


def _expertise(*, trials: Trials, t: np.ndarray) -> PaperBinned:
    rated = t[trials.expertise[t] >= 1]
    return calibration.paper_bins(
        score=trials.expertise[rated].astype(np.float64),
        correct=trials.correct[rated],
        order=trials.trial_id[rated],
        n_bins=calibration.EXPERTISE_BINS,
    )


def _calibration(
    *, trials: Trials, t: np.ndarray, models: ModelScores, rows: np.ndarray
) -> PaperCalibration:
    rated = t[trials.confidence[t] >= 1]
    confidence = trials.confidence[rated].astype(np.float64)
    out: PaperCalibration = {
        "humans": {
            **calibration.paper_bins(
                score=confidence,
                correct=trials.correct[rated],
                order=trials.trial_id[rated],
                n_bins=calibration.CALIBRATION_BINS,
            ),
            "test": calibration.calibration_test(
                confidence=confidence, correct=trials.correct[rated]
            ),
        },
        "models": {},
    }
    for j in models.paper_llms():
        diff = models.difficulty[rows, j]
        have = ~np.isnan(diff)
        score, right = np.abs(diff[have]), diff[have] > 0
        calibrated: PaperCalibrated = {
            **calibration.paper_bins(
                score=score, correct=right, order=rows[have], n_bins=calibration.CALIBRATION_BINS
            ),
            "test": calibration.calibration_test(confidence=score, correct=right),
        }
        out["models"][models.scorers[j]["name"]] = calibrated
    return out
