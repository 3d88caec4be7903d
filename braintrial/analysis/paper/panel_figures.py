"""Panel rows of the paper's numbers: human and model accuracies, the LLM mean and its test,
the agreement and the BrainGPT gain."""

from __future__ import annotations

from ..types import PanelRow, PaperReport, PaperSourceKey, ReportFigures
from .text import MISSING, num_text, p_text, pct_text, row_text, same_text

# The paper's human accuracy and its LLM mean, per item source: (source, items, figure).
HUMAN_FIGURES: tuple[tuple[PaperSourceKey, str, float], ...] = (
    ("human", "human-written", 0.634),
    ("gpt4", "GPT-4", 0.698),
)
LLM_MEAN_FIGURES: tuple[tuple[PaperSourceKey, str, float], ...] = (
    ("human", "human-written", 0.814),
    ("gpt4", "GPT-4", 0.804),
)
MODEL_FIGURES = {
    "meta-llama/Llama-2-7b-hf": 0.815,
    "mistralai/Mistral-7B-v0.1": 0.830,
    "tiiuae/falcon-180B": 0.855,
    "gpt2": 0.575,
    "lora_r256_a512_finetune_mistral_7b_v01": 0.860,
}


def accuracy_rows(report: ReportFigures) -> list[PanelRow]:
    rows = []
    for source, label, figure in HUMAN_FIGURES:
        acc = report["sources"][source]["humans"]["accuracy"]
        rows.append(
            row_text(
                f"humans_{source}",
                f"Human experts, {label} items",
                pct_text(figure),
                pct_text(acc["accuracy"]),
                "Proportion correct over included trials.",
                f"{acc['k']} of {acc['n']} trials",
                same_text(acc["accuracy"], figure, 3),
            )
        )
    top = report["sources"]["human"]["humans"]["top_expertise"]
    rows.append(
        row_text(
            "top_expertise",
            "Top-20% expertise, human-written items",
            "66.2%",
            pct_text(top["accuracy"]),
            "Per abstract the floor(n x 0.2) trials of highest expertise (ties in file order; "
            "abstracts with < 5 trials drop out), pooled.",
            f"{top['k']} of {top['n']} trials",
            same_text(top["accuracy"], 0.662, 3),
        )
    )
    doctoral = report["sources"]["human"]["humans"]["by_position"].get("Doctoral student")
    if doctoral:
        rows.append(
            row_text(
                "doctoral",
                "Doctoral students, human-written items (the lowest group)",
                "58.3%",
                pct_text(doctoral["accuracy"]),
                "Proportion correct over included trials of participants of that position.",
                f"{doctoral['k']} of {doctoral['n']} trials",
                same_text(doctoral["accuracy"], 0.583, 3),
            )
        )
    return rows


def model_rows(report: ReportFigures) -> list[PanelRow]:
    by_source = {s["model_source"]: s["name"] for s in report["paper"]["scorers"]}
    display = {s["name"]: s["display_name"] for s in report["scorers"]}
    rows = []
    for model, figure in MODEL_FIGURES.items():
        name = by_source.get(model)
        models = report["sources"]["human"]["models"]
        if name is None or name not in models:
            continue
        acc = models[name]["accuracy"]
        rows.append(
            row_text(
                f"model_{name}",
                f"{display[name]}, human-written items",
                pct_text(figure),
                pct_text(acc["accuracy"]),
                "Share of items where PPL(original) < PPL(altered); a tie is wrong.",
                f"{acc['k']} of {acc['n']} items",
                same_text(acc["accuracy"], figure, 3),
            )
        )
    return rows


def headline_rows(paper: PaperReport) -> list[PanelRow]:
    rows = []
    for source, label, figure in LLM_MEAN_FIGURES:
        head = paper[source]["headline"]
        rows.append(
            row_text(
                f"llm_mean_{source}",
                f"Mean of the paper's LLMs, {label} items",
                pct_text(figure),
                pct_text(head["mean"]),
                "Unweighted mean accuracy of the 15 general-purpose LLMs (paper_llm).",
                f"{head['n_models']} models x {head['n_items']} items",
                same_text(head["mean"], figure, 3),
            )
        )
        rows.append(
            row_text(
                f"llm_vs_humans_{source}",
                f"LLMs against humans, {label} items",
                "LLMs better, p < 0.001",
                f"t({head['df']}) = {num_text(head['t'], 2)}, {p_text(head['p'])}"
                if head["t"] is not None
                else MISSING,
                "The authors' paired t-test of the 15 LLM accuracies against the human "
                "accuracy repeated (a one-sample t-test against it).",
                f"{head['n_models']} models",
                _llms_better(head["t"], head["p"]),
            )
        )
    return rows


def agreement_row(paper: PaperReport) -> PanelRow:
    agree = paper["human"]["agreement"]
    mm, hm = agree["model_model"], agree["human_model"]
    return row_text(
        "agreement",
        "Item-difficulty agreement, human-written items",
        "0.754 (s.d. 0.076) between models; 0.147 (s.d. 0.026) humans-models",
        f"{num_text(mm['mean'])} (s.d. {num_text(mm['sd'])}); "
        f"{num_text(hm['mean'])} (s.d. {num_text(hm['sd'])})",
        "Spearman over items; models: PPL_altered - PPL_original; humans: share correct; "
        "every pair of the 15 LLMs and humans with each; NaN-aware mean, population s.d.",
        f"{agree['n_items']} items, {mm['n_pairs']} model pairs",
        None
        if mm["mean"] is None or hm["mean"] is None
        else (
            same_text(mm["mean"], 0.754, 3) is True
            and same_text(hm["mean"], 0.147, 3) is True
            and same_text(mm["sd"], 0.076, 3) is True
            and same_text(hm["sd"], 0.026, 3) is True
        ),
    )


def braingpt_rows(paper: PaperReport) -> list[PanelRow]:
    gain = paper["human"]["braingpt"]
    if not gain.get("available") or not gain["n_items"]:
        return []
    return [
        row_text(
            "braingpt",
            "BrainGPT gain (Mistral-7B -> its neuroscience LoRA), human-written items",
            "83.0% -> 86.0%",
            f"{pct_text(gain['base_accuracy'])} -> {pct_text(gain['tuned_accuracy'])}",
            "Accuracy of the base model and of the LoRA fine-tune on the same items.",
            f"{gain['n_items']} items",
            same_text(gain["base_accuracy"], 0.830, 3) is True
            and same_text(gain["tuned_accuracy"], 0.860, 3) is True,
        ),
        row_text(
            "braingpt_ppl",
            "BrainGPT: perplexity of the correct version",
            "lower after fine-tuning",
            f"{num_text(gain['mean_ppl_base'], 2)} -> {num_text(gain['mean_ppl_tuned'], 2)}, "
            f"t({gain['df']}) = {num_text(gain['t'], 2)}, {p_text(gain['p'])}",
            "The authors' paired t-test of PPL(original), base against fine-tune.",
            f"{gain['n_items']} items",
            _lower_after(gain["t"], gain["p"]),
            "The paper shows this as a figure; its t is not quoted here.",
        ),
    ]


def _lower_after(t: float | None, p: float | None) -> bool:
    """The paired t-test (base - fine-tune) says the fine-tune's perplexity is lower."""
    return t is not None and p is not None and t > 0 and p < 0.001


def _llms_better(t: float | None, p: float | None) -> bool | None:
    """The LLMs' mean is above the humans', p < 0.001; None where the test was not computed."""
    if t is None or p is None:
        return None
    return bool(p < 0.001 and t > 0)
