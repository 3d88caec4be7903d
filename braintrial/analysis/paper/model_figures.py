"""The paper's model figures: the 15-LLM mean against humans, base against chat/instruct, size,
the BrainGPT gain and memorisation. Each from the published per-item perplexities.

Facts from the authors' analysis code (brainbench_results): the headline test is a paired
t-test of the 15 LLM accuracies against the human accuracy repeated 15 times, i.e. a one-sample
t-test against it (overall_accuracy_model_vs_human.py); the BrainGPT test is a paired t-test of
the correct version's perplexity, Mistral-7B against its LoRA fine-tune (finetuning_boost.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats as scipy_stats

from ..stats import rounded
from ..types import (
    BaseVsChat,
    BrainGPT,
    ChatPair,
    Headline,
    Memorisation,
    Memorised,
    SizeFigure,
    SizePoint,
    TTest,
)
from .data import ModelScores

BASE_OF_BRAINGPT = "mistralai/Mistral-7B-v0.1"
BRAINGPT = "lora_r256_a512_finetune_mistral_7b_v01"
# The paper's memorisation check concerns models big enough to have memorised their training
# data; at and above this size (billions of parameters).
LARGE_PARAMS_B = 7.0


def _accuracy(models: ModelScores, rows: np.ndarray, j: int) -> float | None:
    diff = models.difficulty[rows, j]
    diff = diff[~np.isnan(diff)]
    return float(np.mean(diff > 0)) if diff.size else None


def _scored(models: ModelScores, rows: np.ndarray, j: int) -> int:
    return int((~np.isnan(models.difficulty[rows, j])).sum())


def _t(result: Any) -> TTest:
    return {"t": rounded(float(result.statistic)), "p": float(result.pvalue)}


def headline(*, models: ModelScores, rows: np.ndarray, human_accuracy: float | None) -> Headline:
    """Mean accuracy of the paper's LLMs on ``rows`` against the humans' accuracy.

    Only LLMs scored on every item of ``rows`` enter (no mean over different item sets).
    """
    columns = [j for j in models.paper_llms() if _scored(models, rows, j) == rows.size]
    accs = np.array([_accuracy(models, rows, j) for j in columns], dtype=np.float64)
    out: Headline = {
        "n_models": len(columns),
        "n_items": int(rows.size),
        "mean": rounded(float(accs.mean())) if accs.size else None,
        "sd": rounded(float(accs.std(ddof=1))) if accs.size > 1 else None,
        "human": rounded(human_accuracy),
        "t": None,
        "df": None,
        "p": None,
    }
    if accs.size > 1 and human_accuracy is not None and np.ptp(accs) > 0:
        test = _t(scipy_stats.ttest_1samp(accs, human_accuracy))
        out["t"], out["df"], out["p"] = test["t"], int(accs.size - 1), test["p"]
    return out


def base_vs_chat(*, models: ModelScores, rows: np.ndarray) -> BaseVsChat:
    """Each paper LLM that is a chat or instruct version, beside the base model it starts
    from; paired t-test over the pairs (chat - base)."""
    by_source = {s["model_source"]: j for j, s in enumerate(models.scorers)}
    pairs: list[ChatPair] = []
    for j in models.paper_llms():
        scorer = models.scorers[j]
        base = by_source.get(scorer["base_model"])
        if scorer["kind"] in ("chat", "instruct") and base is not None:
            tuned, plain = _accuracy(models, rows, j), _accuracy(models, rows, base)
            if tuned is not None and plain is not None:
                pairs.append(
                    {
                        "base": models.scorers[base]["name"],
                        "tuned": scorer["name"],
                        "base_accuracy": plain,
                        "tuned_accuracy": tuned,
                    }
                )
    out: BaseVsChat = {"pairs": pairs, "n_pairs": len(pairs), "t": None, "p": None}
    if pairs:
        plain_accs = np.array([p["base_accuracy"] for p in pairs], dtype=np.float64)
        tuned_accs = np.array([p["tuned_accuracy"] for p in pairs], dtype=np.float64)
        out["mean_base"] = rounded(float(plain_accs.mean()))
        out["mean_tuned"] = rounded(float(tuned_accs.mean()))
        out["base_better"] = int((plain_accs > tuned_accs).sum())
        if len(pairs) > 1 and np.ptp(tuned_accs - plain_accs) > 0:
            test = _t(scipy_stats.ttest_rel(tuned_accs, plain_accs))
            out["t"], out["p"] = test["t"], test["p"]
    return out


def size(*, models: ModelScores, rows: np.ndarray) -> SizeFigure:
    """Accuracy against parameters (billions) over the paper's LLMs: Spearman rho and the
    least-squares slope of accuracy on log10(parameters)."""
    points: list[SizePoint] = []
    for j in models.paper_llms():
        params_b, acc = models.scorers[j]["params_b"], _accuracy(models, rows, j)
        if params_b and acc is not None:
            points.append(
                {"name": models.scorers[j]["name"], "params_b": params_b, "accuracy": acc}
            )
    out: SizeFigure = {
        "points": points,
        "n_models": len(points),
        "rho": None,
        "p": None,
        "slope_per_decade": None,
    }
    if len(points) > 2:
        params = np.array([p["params_b"] for p in points])
        accs = np.array([p["accuracy"] for p in points])
        rho = scipy_stats.spearmanr(params, accs)
        out["rho"], out["p"] = rounded(float(rho.statistic)), float(rho.pvalue)
        out["slope_per_decade"] = rounded(float(np.polyfit(np.log10(params), accs, 1)[0]))
    return out


def braingpt(*, models: ModelScores, rows: np.ndarray) -> BrainGPT:
    """Mistral-7B against its LoRA fine-tune on neuroscience (BrainGPT): accuracy of both and
    a paired t-test of the correct (original) version's perplexity, base - fine-tune."""
    base = models.column(model_source=BASE_OF_BRAINGPT)
    tuned = models.column(model_source=BRAINGPT)
    if base is None or tuned is None:
        return {"available": False}
    both = rows[~np.isnan(models.ppl_original[rows, base] + models.ppl_original[rows, tuned])]
    out: BrainGPT = {
        "available": True,
        "n_items": int(both.size),
        "base_accuracy": _accuracy(models, both, base),
        "tuned_accuracy": _accuracy(models, both, tuned),
        "t": None,
        "p": None,
        "df": int(both.size - 1),
    }
    if both.size > 1:
        ppl_base, ppl_tuned = models.ppl_original[both, base], models.ppl_original[both, tuned]
        test = _t(scipy_stats.ttest_rel(ppl_base, ppl_tuned))
        out["t"], out["p"] = test["t"], test["p"]
        out["mean_ppl_base"] = rounded(float(ppl_base.mean()))
        out["mean_ppl_tuned"] = rounded(float(ppl_tuned.mean()))
    return out


def memorisation(*, models: ModelScores, rows: np.ndarray) -> Memorisation:
    """Per model of at least LARGE_PARAMS_B billion parameters: Spearman rho between the
    correct version's perplexity and its prompt's zlib length (bytes), and the mean ratio
    ln(PPL) / zlib bytes. A memorised text has a perplexity far lower than its compressibility
    predicts."""
    per_model: dict[str, Memorised] = {}
    for j, scorer in enumerate(models.scorers):
        if not scorer["params_b"] or scorer["params_b"] < LARGE_PARAMS_B:
            continue
        ppl, length = models.ppl_original[rows, j], models.zlib_original[rows, j]
        have = ~np.isnan(ppl) & ~np.isnan(length)
        if have.sum() < 3:
            continue
        rho = scipy_stats.spearmanr(ppl[have], length[have])
        per_model[scorer["name"]] = {
            "n_items": int(have.sum()),
            "rho": rounded(float(rho.statistic)),
            "mean_ppl": rounded(float(ppl[have].mean())),
            "min_ppl": rounded(float(ppl[have].min())),
        }
    rhos = [m["rho"] for m in per_model.values() if m["rho"] is not None]
    return {
        "models": per_model,
        "n_models": len(per_model),
        "mean_rho": rounded(float(np.mean(rhos))) if rhos else None,
    }
