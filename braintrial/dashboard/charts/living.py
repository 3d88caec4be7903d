"""The living benchmark's figures: accuracy against each model's training-data cut-off, and on
the public against the held-out items (analysis.cutoffs, analysis.heldout)."""

# Display text uses typographic dashes on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

from typing import Any

from braintrial.analysis.types import Accuracy, CutoffReport, HeldOutReport, StudyReport
from braintrial.dashboard.charts.common import (
    CHANCE,
    HUMAN,
    MODEL,
    interval_bars,
    layout,
    pct,
)

AFTER = "#1f9e89"
BEFORE = "#b7791f"


def _cutoffs(report: StudyReport) -> CutoffReport | None:
    # A report cached before these figures existed has none: the worker recomputes it.
    return report.get("cutoffs")


def _empty(chart_id: str, title: str, caption: str) -> dict[str, Any]:
    return {
        "id": chart_id,
        "title": title,
        "figure": {"data": [], "layout": layout(showlegend=False)},
        "caption": f"{caption} (n = 0 to draw.)",
    }


def _accuracy_trace(
    name: str, labels: list[str], accs: list[Accuracy], color: str, unit: str
) -> dict[str, Any]:
    return {
        "type": "scatter",
        "mode": "markers",
        "name": name,
        "x": [a["accuracy"] for a in accs],
        "y": labels,
        "marker": {"color": color, "size": 9},
        "error_x": interval_bars(accs, thickness=1.2, width=3),
        "customdata": [[a["k"], a["n"]] for a in accs],
        "hovertemplate": f"%{{y}}, {name}: %{{x:.1%}} (%{{customdata[0]}} of "
        f"%{{customdata[1]}} {unit})<extra></extra>",
    }


CUTOFF_MODELS_TITLE = "Does each model do better on papers it may have read?"


def cutoff_models(report: StudyReport) -> dict[str, Any]:
    """Per model, accuracy on the items published after its cut-off and on those before."""
    cutoffs = _cutoffs(report)
    if cutoffs is None or not cutoffs["models"]:
        note = cutoffs["note"] if cutoffs else "Computed with the next report."
        return _empty("cutoff-models", CUTOFF_MODELS_TITLE, note or "No model counts yet.")
    rows = list(reversed(cutoffs["models"]))
    labels = [row["display_name"] for row in rows]
    traces = [
        _accuracy_trace(
            "published after its cut-off", labels, [r["after"] for r in rows], AFTER, "items"
        ),
        _accuracy_trace("published before", labels, [r["before"] for r in rows], BEFORE, "items"),
    ]
    chance = {
        "type": "line", "xref": "x", "yref": "paper", "x0": 0.5, "x1": 0.5, "y0": 0, "y1": 1,
        "line": {"color": CHANCE, "width": 1, "dash": "dot"},
    }  # fmt: skip
    figure = {
        "data": traces,
        "layout": layout(
            xaxis={
                "title": {"text": "Accuracy (95% interval)"},
                "range": [0, 1.02],
                "tickformat": ".0%",
            },
            yaxis={"type": "category", "automargin": True},
            shapes=[chance],
            margin={"l": 56, "r": 20, "t": 16, "b": 56},
        ),
    }
    lines = [f"{row['display_name']}: {_cutoff_words(row)}" for row in cutoffs["models"]]
    caption = (
        "A model cannot have read a paper published after its training data end. If it did "
        "clearly better on the papers before its cut-off than after, it may be recalling "
        "those papers rather than predicting their results. Green: items published after the "
        "cut-off; brown: before it; each with its 95% interval and n in the tooltip (all test "
        "items, human- and GPT-4-written). Items "
        "whose date overlaps the cut-off (a paper dated only by its year) are in neither. "
        f"Dated items: n = {cutoffs['n_dated']} of {cutoffs['n_items']}"
        + "".join(f", {n} by {source}" for source, n in cutoffs["date_sources"].items())
        + ". Cut-offs: "
        + "; ".join(lines)
        + "."
    )
    return {
        "id": "cutoff-models",
        "title": CUTOFF_MODELS_TITLE,
        "wide": True,
        "height": min(160 + 26 * len(rows), 1000),
        "figure": figure,
        "caption": caption,
    }


def _cutoff_words(row: Any) -> str:
    cutoff = row["cutoff"]
    if cutoff is None:
        return row["note"]
    span = (
        cutoff["first"][:7]
        if cutoff["first"][:7] == cutoff["last"][:7]
        else (f"{cutoff['first']} to {cutoff['last']}")
    )
    words = f"{span} ({cutoff['source']})"
    if row["note"]:
        words += f", {row['note']}"
    return words


MONTHS_TITLE = "Accuracy by months between a model's cut-off and the paper"


def cutoff_months(report: StudyReport) -> dict[str, Any]:
    """Accuracy of every (model, item) pair, binned by months from cut-off to publication."""
    cutoffs = _cutoffs(report)
    bins = cutoffs["months"] if cutoffs else []
    if not bins:
        note = (cutoffs["note"] if cutoffs else "") or (
            "No model with a cut-off has scored a dated item yet."
        )
        return _empty("cutoff-months", MONTHS_TITLE, note)
    centres = [(b["months_from"] + b["months_to"]) / 2 for b in bins]
    accs: list[Accuracy] = [
        {
            "accuracy": b["accuracy"],
            "sem": None,
            "low": b["low"],
            "high": b["high"],
            "n": b["n"],
            "k": b["k"],
        }
        for b in bins
    ]
    trace = {
        "type": "scatter",
        "mode": "lines+markers",
        "name": "Models",
        "x": centres,
        "y": [b["accuracy"] for b in bins],
        "marker": {"color": MODEL, "size": 9},
        "line": {"color": MODEL, "width": 1, "dash": "dot"},
        "error_y": interval_bars(accs, thickness=1.2, width=3),
        "customdata": [
            [b["months_from"], b["months_to"], b["k"], b["n"], b["n_items"], b["n_scorers"]]
            for b in bins
        ],
        "hovertemplate": "%{customdata[0]} to %{customdata[1]} months: %{y:.1%}<br>"
        "%{customdata[2]} of %{customdata[3]} answers, %{customdata[4]} papers, "
        "%{customdata[5]} models<extra></extra>",
    }
    zero = {
        "type": "line", "xref": "x", "yref": "paper", "x0": 0, "x1": 0, "y0": 0, "y1": 1,
        "line": {"color": HUMAN, "width": 2, "dash": "dash"},
    }  # fmt: skip
    figure = {
        "data": [trace],
        "layout": layout(
            xaxis={
                "title": {
                    "text": "Months from the model's cut-off to the paper's "
                    "publication (negative: before)"
                }
            },
            yaxis={"title": {"text": "Accuracy (95% interval)"}, "tickformat": ".0%"},
            shapes=[zero],
            showlegend=False,
        ),
    }
    pairs = sum(b["n"] for b in bins)
    caption = (
        "Each point pools every model's answers on the papers published that many months "
        "after its training data end (left of the dashed line: before, papers the model may "
        f"have read), in {cutoffs['bin_months'] if cutoffs else 6}-month bins; n = {pairs} "
        "answers in all. Bars: 95% intervals that resample the papers. A drop right of the "
        "line would say the models recall more than they predict. Different bins hold "
        "different models (a newer model's cut-off puts the same papers further left), so "
        "compare with the per-model figure above."
    )
    return {
        "id": "cutoff-months",
        "title": MONTHS_TITLE,
        "figure": figure,
        "caption": caption,
    }


HELD_OUT_TITLE = "Public and held-out items side by side"


def held_out(report: StudyReport) -> dict[str, Any]:
    """Humans and every model on the public and on the held-out items."""
    split: HeldOutReport | None = report.get("held_out")
    if split is None:
        return _empty("held-out", HELD_OUT_TITLE, "Computed with the next report.")
    if split["held_out"]["n_items"] == 0:
        return _empty("held-out", HELD_OUT_TITLE, split["note"])
    public, held = split["public"], split["held_out"]
    names = {s["name"]: s["display_name"] for s in report["scorers"]}
    labels = ["Human experts", *(names.get(n, n) for n in public["models"])]
    sides = []
    for side, name, color in ((public, "public items", MODEL), (held, "held-out items", HUMAN)):
        accs = [side["humans"], *side["models"].values()]
        sides.append(_accuracy_trace(name, labels, accs, color, "answers"))
    figure = {
        "data": list(reversed(sides)),
        "layout": layout(
            xaxis={
                "title": {"text": "Accuracy (95% interval)"},
                "range": [0, 1.02],
                "tickformat": ".0%",
            },
            yaxis={"type": "category", "automargin": True, "autorange": "reversed"},
        ),
    }
    boot = held["humans_interval"]
    caption = (
        f"This study keeps {held['n_items']} of its {split['n_items']} items (share "
        f"{split['share']:.0%}) out of every public download: participants answer them and "
        "models score them, but their texts are never published. A model trained on the "
        "published items would do better on the public ones than on the held-out ones; the "
        "experts saw neither. Experts: "
        f"{pct(public['humans'])} on public items (n = {public['humans']['n']} answers) and "
        f"{pct(held['humans'])} on held-out items (n = {held['humans']['n']}"
        + (
            f"; 95% interval over items {100 * boot['low']:.1f}–{100 * boot['high']:.1f}%"
            if boot
            else ""
        )
        + "). Models: n is their items."
    )
    return {
        "id": "held-out",
        "title": HELD_OUT_TITLE,
        "wide": True,
        "height": min(180 + 26 * len(labels), 1000),
        "figure": figure,
        "caption": caption,
    }
