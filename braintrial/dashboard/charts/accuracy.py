"""Accuracy figures: the headline comparison and the splits by source, section, position."""

from __future__ import annotations

from typing import Any

from braintrial.analysis.types import Accuracy, StudyReport
from braintrial.dashboard.charts.common import (
    CHANCE,
    HUMAN,
    MODEL,
    TOP,
    hline,
    interval_bars,
    layout,
    model_colors,
    model_names,
    pct,
    source_label,
    tick_labels,
)


def headline(report: StudyReport, source: str) -> dict[str, Any]:
    """Each model's accuracy with SEM, sorted; human experts and top-20% experts as lines."""
    part = report["sources"][source]
    names, colors = model_names(report), model_colors(report)
    models = sorted(
        ((name, m["accuracy"]) for name, m in part["models"].items() if m["accuracy"]["n"]),
        key=lambda pair: -(pair[1]["accuracy"] or 0),
    )
    bars = {
        "type": "bar",
        "name": "Language models",
        "x": tick_labels([names.get(n, n) for n, _ in models]),
        "hovertext": [names.get(n, n) for n, _ in models],
        "y": [a["accuracy"] for _, a in models],
        "error_y": interval_bars([a for _, a in models], thickness=1.2, width=3),
        "marker": {"color": [colors.get(n, MODEL) for n, _ in models]},
        "customdata": [[a["k"], a["n"]] for _, a in models],
        "hovertemplate": "%{hovertext}<br>%{y:.1%} (%{customdata[0]} of %{customdata[1]} items)"
        "<extra></extra>",
        "showlegend": False,
    }
    shapes, legend = [], []
    humans = part["humans"]
    for acc, color, label, dash in (
        (humans["accuracy"], HUMAN, "Human experts", "dash"),
        (humans["top_expertise"], TOP, "Top-20% experts", "dot"),
    ):
        if acc["accuracy"] is not None:
            shape, _ = hline(acc["accuracy"], color, label, dash)
            shapes.append(shape)
            # The line is a shape (it spans the whole plot); this empty trace gives it a legend
            # entry with its number instead of a label that would cover the bars.
            legend.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": [None],
                    "y": [None],
                    "name": f"{label} {pct(acc)} (n = {acc['n']} trials)",
                    "line": {"color": color, "width": 2, "dash": dash},
                    "hoverinfo": "skip",
                }
            )
    shape, note = hline(0.5, CHANCE, "chance", "dot")
    shapes.append(shape)
    # In the right margin, beside the line's end: over the plot it covered the last bar.
    notes = [{**note, "xanchor": "left", "yanchor": "middle", "xshift": 4}]
    figure = {
        "data": [bars, *legend],
        "layout": layout(
            shapes=shapes,
            annotations=notes,
            yaxis={"title": {"text": "Accuracy"}, "range": [0, 1.02], "tickformat": ".0%"},
            xaxis={"tickangle": -35 if len(models) > 6 else 0},
            bargap=0.3 if len(models) > 5 else 0.6,
            legend={"orientation": "h", "x": 0, "y": 1.1},
            margin={"b": 90, "t": 36, "r": 60},
        ),
    }
    best = models[0] if models else None
    caption = (
        f"Accuracy on {part['n_items']} {source_label(report, source)} items: each bar one model "
        f"({_item_sets(models)}, 95% Wilson intervals), {len(models)} models"
        + (f", best {names.get(best[0], best[0])} {pct(best[1])}" if best else "")
        + f". Lines: human experts {pct(humans['accuracy'])} (n = {humans['accuracy']['n']} "
        f"trials) and the top-20% by expertise {pct(humans['top_expertise'])} "
        f"(n = {humans['top_expertise']['n']}). Blue: published scores; green: run here."
    )
    return {
        "id": "headline",
        "title": "Humans against every model",
        "wide": True,
        "height": 420,
        "figure": figure,
        "caption": caption,
    }


def _item_sets(models: list[tuple[str, Accuracy]]) -> str:
    """How many items the bars stand on; different item sets are said, never mixed silently."""
    counts: dict[int, int] = {}
    for _, acc in models:
        counts[acc["n"]] = counts.get(acc["n"], 0) + 1
    if len(counts) <= 1:
        return f"n = {next(iter(counts), 0)} items each"
    parts = ", ".join(f"{k} models on n = {n} items" for n, k in sorted(counts.items()))
    return f"models scored on different item sets: {parts}; compare bars of the same n only"


def tick_label(label: str, *, width: int = 12) -> str:
    """Long group names broken over two lines instead of slanted or overlapping: at a slash
    (journal sections), else at the space nearest the middle (positions)."""
    if "/" in label:
        return label.replace("/", "/<br>")
    if len(label) <= width or " " not in label:
        return label
    middle = len(label) / 2
    cut = min((i for i, c in enumerate(label) if c == " "), key=lambda i: abs(i - middle))
    return label[:cut] + "<br>" + label[cut + 1 :]


def _model_accuracy(report: StudyReport, source: str, name: str) -> Accuracy | None:
    """A model's accuracy on the items of ``source``; None where it has no figures there."""
    figures = report["sources"][source]["models"].get(name)
    return figures["accuracy"] if figures else None


def split(report: StudyReport, source: str, key: str) -> dict[str, Any]:
    """Human accuracy per group (bars, 95% Wilson intervals), each model a dot where it applies."""
    part = report["sources"][source]
    names = model_names(report)
    groups: dict[str, Accuracy]
    model_groups: dict[str, dict[str, Accuracy | None]]
    if key == "source":
        groups = {
            source_label(report, s): report["sources"][s]["humans"]["accuracy"]
            for s in ("human", "gpt4")
        }
        model_groups = {
            name: {
                source_label(report, s): _model_accuracy(report, s, name) for s in ("human", "gpt4")
            }
            for name in names
        }
    elif key == "section":
        groups = part["humans"]["by_section"]
        model_groups = {n: dict(m["by_section"]) for n, m in part["models"].items()}
    else:
        groups, model_groups = part["humans"]["by_position"], {}
    labels = list(groups)
    shown = {g: tick_label(g) for g in labels}
    data: list[dict[str, Any]] = [
        {
            "type": "bar",
            "name": "Human experts",
            "x": [shown[g] for g in labels],
            "y": [groups[g]["accuracy"] for g in labels],
            "error_y": interval_bars([groups[g] for g in labels], thickness=1.2, width=3),
            "marker": {"color": HUMAN, "opacity": 0.85},
            "customdata": [[groups[g]["k"], groups[g]["n"]] for g in labels],
            "hovertemplate": "%{x}<br>humans %{y:.1%} (%{customdata[0]} of %{customdata[1]})"
            "<extra></extra>",
        }
    ]
    dots_x, dots_y, dots_text = [], [], []
    for name, by_group in model_groups.items():
        for g in labels:
            acc = by_group.get(g)
            if acc and acc["accuracy"] is not None:
                dots_x.append(shown[g])
                dots_y.append(acc["accuracy"])
                dots_text.append(f"{names.get(name, name)}: {pct(acc)} of {acc['n']} items")
    if dots_x:
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "Models (one dot each)",
                "x": dots_x,
                "y": dots_y,
                "text": dots_text,
                "hoverinfo": "text",
                "marker": {
                    "color": MODEL,
                    "size": 7,
                    "opacity": 0.6,
                    "line": {"color": "white", "width": 1},
                },
            }
        )
    n_trials = sum(groups[g]["n"] for g in labels)
    what = {"source": "item source", "section": "journal section", "position": "current position"}
    items_text = "" if key == "source" else f" on {source_label(report, source)} items"
    caption = (
        f"Human accuracy by {what[key]}{items_text} (95% Wilson intervals; n = {n_trials} trials: "
        + ", ".join(f"{g} {groups[g]['n']}" for g in labels)
        + ")."
        + (" Dots: each model on the same items." if dots_x else "")
    )
    figure = {
        "data": data,
        "layout": layout(
            yaxis={"title": {"text": "Accuracy"}, "range": [0, 1.02], "tickformat": ".0%"},
            xaxis={"tickangle": 0},
            bargap=0.45,
        ),
    }
    titles = {
        "source": "By item source",
        "section": "By journal section",
        "position": "By current position",
    }
    return {"id": f"split-{key}", "title": titles[key], "figure": figure, "caption": caption}
