"""Panel rows of the paper's findings: base against chat, size, subfields, calibration,
expertise, memorisation and the human-AI teams."""

from __future__ import annotations

from ..types import PanelRow, PaperReport, PaperSourceKey
from .text import MISSING, num_text, p_text, pct_text, row_text


def comparison_rows(paper: PaperReport) -> list[PanelRow]:
    pairs, size = paper["human"]["base_vs_chat"], paper["human"]["size"]
    sections = paper["human"]["by_subfield"]
    llm_ahead = [
        s["mean_llm"] > s["humans"]["accuracy"]
        for s in sections.values()
        if s["mean_llm"] is not None and s["humans"]["accuracy"] is not None
    ]
    return [
        row_text(
            "base_vs_chat",
            "Base models against their chat/instruct versions, human-written items",
            "base models better",
            f"base {pct_text(pairs.get('mean_base'))} vs chat/instruct "
            f"{pct_text(pairs.get('mean_tuned'))}; base better in {pairs.get('base_better', 0)} of "
            f"{pairs['n_pairs']} pairs, paired t = {num_text(pairs['t'], 2)}, {p_text(pairs['p'])}",
            "Pairs of paper LLMs by published base_model; paired t-test of accuracies.",
            f"{pairs['n_pairs']} pairs",
            None if not pairs["n_pairs"] else pairs["base_better"] == pairs["n_pairs"],
        ),
        row_text(
            "size",
            "Accuracy against model size, human-written items",
            "shown as a figure (no single number)",
            f"Spearman rho = {num_text(size['rho'], 2)}, {p_text(size['p'])}; "
            f"{num_text(size['slope_per_decade'], 3)} per tenfold parameters",
            "The 15 LLMs' accuracy against published parameter counts (billions).",
            f"{size['n_models']} models",
            None,
            "Beyond the paper's text: the paper plots this; the statistic is this app's.",
        ),
        row_text(
            "subfields",
            "Per subfield (5 journal sections), human-written items",
            "the mean LLM above humans in every section",
            f"mean LLM above humans in {sum(llm_ahead)} of {len(llm_ahead)} sections",
            "Humans: included trials per section; top 20%: expertise >= the section's 80th "
            "percentile; LLM: mean of the 15 LLMs' section accuracies.",
            f"{len(sections)} sections",
            None if not llm_ahead else all(llm_ahead),
        ),
    ]


def calibration_rows(paper: PaperReport) -> list[PanelRow]:
    calib = paper["human"]["calibration"]
    human_test = calib["humans"]["test"]
    # One-sided p of each LLM whose test could be computed.
    p_values = [p for m in calib["models"].values() if (p := m["test"]["p"]) is not None]
    worst = max(p_values, default=None)
    quartiles = paper["human"]["expertise"]["bins"]
    return [
        row_text(
            "calibration",
            "Calibration (humans and the 15 LLMs), human-written items",
            "all calibrated: logistic slope > 0, one-sided p < 0.001",
            f"humans t({human_test['df']}) = {num_text(human_test['t'], 1)}, "
            f"{p_text(human_test['p'])}; "
            f"LLMs {sum(p < 0.001 for p in p_values)} of {len(p_values)} at p < 0.001 "
            f"(largest p {num_text(worst, 5) if worst is not None else MISSING})",
            "20 bins of ordinal confidence ranks [k N/20, (k+1) N/20); test: logistic "
            "regression of correct on confidence in 5 random 80% subsamples (seed 42), "
            "one-sample t-test of the slopes.",
            f"{human_test['n']} trials; {calib['models'] and len(calib['models'])} LLMs",
            None
            if human_test["p"] is None or worst is None
            else (human_test["p"] < 0.001 and worst < 0.001),
            "The subsamples are drawn per model from a fresh seed; the authors drew them from "
            "one stream across models, so t values differ while the conclusion is the same.",
        ),
        row_text(
            "expertise",
            "Accuracy by expertise quartile, human-written items",
            "highest in the top expertise bin",
            ", ".join(pct_text(b["accuracy"]) for b in quartiles),
            "Trials in 4 bins of ordinal expertise ranks [k N/4, (k+1) N/4).",
            f"{paper['human']['expertise']['n']} trials",
            None
            if not quartiles
            else max(quartiles, key=lambda b: b["accuracy"] or 0) is quartiles[-1],
        ),
    ]


def memorisation_row(paper: PaperReport) -> PanelRow:
    memo = paper["human"]["memorisation"]
    return row_text(
        "memorisation",
        "Memorisation check, human-written items",
        "no sign that BrainBench was memorised",
        f"Spearman rho(PPL of the original, zlib bytes) mean {num_text(memo['mean_rho'], 2)} over "
        f"{memo['n_models']} models of >= 7B parameters",
        "Per model: perplexity of the correct version against its prompt's zlib length.",
        f"{memo['n_models']} models",
        None,
        "The paper compares against Journal of Neuroscience texts the published data does not "
        "include; shown here is only the within-BrainBench relation.",
    )


# The teams per item source, the published set (GPT-4 items) first: (source, items).
TEAM_SOURCES: tuple[tuple[PaperSourceKey, str], ...] = (
    ("gpt4", "GPT-4 items (the published set)"),
    ("human", "human items"),
)


def team_rows(paper: PaperReport) -> list[PanelRow]:
    rows = []
    for source, label in TEAM_SOURCES:
        team = paper[source]["teams"]
        pairs = team["pairs"].values()
        better = sum(p["beats_both"] for p in pairs)
        every = team["with_all"]
        app = f"team beats both members for {better} of {len(pairs)} LLMs"
        if every:
            app += (
                f"; human + {every['n_models']} LLMs {pct_text(every['team']['accuracy'])} vs the "
                f"LLMs alone {pct_text(every['models_team']['accuracy'])}, best single LLM "
                f"{pct_text(every['best_model'])}"
            )
        rows.append(
            row_text(
                f"teams_{source}",
                f"Human-AI teams (Yanez et al. 2025), {label}",
                "every human-LLM team beats both members",
                app,
                "Logistic regression (no intercept) of confidence-signed judgments: human "
                "slider, model ln PPL ratio; leave-one-out cross-validated over trials.",
                f"{next(iter(pairs))['n'] if pairs else 0} trials",
                None if not pairs else better == len(pairs),
                "Beyond the Luo et al. paper. The published description leaves the models' "
                "confidence scale and the cross-validation unit open; this app uses the ln "
                "perplexity ratio and trials."
                if better < len(pairs)
                else "Beyond the Luo et al. paper.",
            )
        )
    return rows
