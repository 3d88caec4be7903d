"""Figures that set people beside models: calibration, expertise, agreement, teams."""

# Display text uses typographic dashes, minus signs and rho on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

from typing import Any, Literal

from braintrial.analysis.types import Binned, StudyReport
from braintrial.dashboard.charts.common import (
    HUMAN,
    MODEL,
    TOP,
    first_upper,
    interval_bars,
    layout,
    model_names,
    pct,
    source_label,
    tick_labels,
)

# Calibration curves of many models drawn at once are unreadable: the most accurate few.
CALIBRATION_MODELS = 4
MODEL_PALETTE = ["#4a7fc1", "#1f9e89", "#e09f3e", "#6c5b7b", "#3d5a80", "#8d6e63"]
BIN_AXIS = {"dtick": 1, "range": [0.4, 20.6], "zeroline": False}
# The team chart's bars per model: (TeamPair key, legend, colour).
TEAM_BARS: tuple[tuple[Literal["human", "model", "team"], str, str], ...] = (
    ("human", "Human alone", HUMAN),
    ("model", "Model alone", MODEL),
    ("team", "Team", "#2d6a4f"),
)
ACCURACY_AXIS = {"title": {"text": "Accuracy"}, "range": [0, 1.02], "tickformat": ".0%"}


def _binned_traces(calib: Binned, name: str, color: str, unit: str) -> list[dict]:
    bins = calib["bins"]
    x = [b["bin"] for b in bins]
    points = {
        "type": "scatter",
        "mode": "markers",
        "name": name,
        "legendgroup": name,
        "x": x,
        "y": [b["accuracy"] for b in bins],
        "marker": {"color": color, "size": 8},
        "customdata": [[b["n"], b["score_min"], b["score_max"]] for b in bins],
        "hovertemplate": f"{name}<br>bin %{{x}}: %{{y:.1%}} of %{{customdata[0]}}<br>"
        f"{unit} %{{customdata[1]:.3g}} to %{{customdata[2]:.3g}}<extra></extra>",
    }
    traces: list[dict[str, Any]] = [points]
    slope, intercept = calib["fit"]["slope"], calib["fit"]["intercept"]
    if slope is not None and intercept is not None and x:
        ends = [min(x), max(x)]
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"{name} fit",
                "legendgroup": name,
                "showlegend": False,
                "x": ends,
                "y": [intercept + slope * e for e in ends],
                "line": {"color": color, "width": 2, "dash": "dash"},
                "hovertemplate": f"{name} fit: {slope:+.3f} per bin<extra></extra>",
            }
        )
    return traces


def _top_models(report: StudyReport, source: str, k: int) -> list[str]:
    models = report["sources"][source]["models"]
    ranked = sorted(models, key=lambda n: -(models[n]["accuracy"]["accuracy"] or 0))
    return ranked[:k]


def calibration_charts(report: StudyReport, source: str) -> list[dict[str, Any]]:
    """Accuracy by confidence bins (humans: slider; models: |dPPL|) and by expertise bins."""
    part = report["sources"][source]
    names = model_names(report)
    humans = part["calibration"]["humans"]
    data = _binned_traces(humans, "Human experts", HUMAN, "confidence")
    shown = _top_models(report, source, CALIBRATION_MODELS)
    for i, name in enumerate(shown):
        calib = part["calibration"]["models"][name]
        color = MODEL_PALETTE[i % len(MODEL_PALETTE)]
        data += _binned_traces(calib, names.get(name, name), color, "|ΔPPL|")
    n_models = len(part["calibration"]["models"])
    slope = humans["fit"]["slope"]
    caption = (
        f"Accuracy in 20 equal-count bins from least (1) to most (20) confident, "
        f"{source_label(report, source)} items. Humans by their confidence rating "
        f"(n = {humans['n']} trials"
        + (f", fitted slope {slope:+.3f} per bin" if slope is not None else "")
        + "); models by |ΔPPL| between the two versions"
        + (
            f" (n = {part['n_items']} items each; the {len(shown)} most accurate of "
            f"{n_models} models shown)"
            if shown
            else ""
        )
        + ". Dashed: least-squares lines. Equal-count bins are this app's; the paper's bin "
        "edges [k·N/20, (k+1)·N/20) and its logistic calibration test are in the reproduction "
        "panel."
    )
    calibration = {
        "id": "calibration",
        "title": "Calibration: confident answers are more often right",
        "figure": {
            "data": data,
            "layout": layout(
                yaxis=ACCURACY_AXIS, xaxis={"title": {"text": "Confidence bin"}, **BIN_AXIS}
            ),
        },
        "caption": caption,
    }
    expertise_calib = part["expertise"]
    slope = expertise_calib["fit"]["slope"]
    expertise = {
        "id": "expertise",
        "title": "Self-rated expertise against accuracy",
        "figure": {
            "data": _binned_traces(expertise_calib, "Human experts", TOP, "expertise"),
            "layout": layout(
                yaxis=ACCURACY_AXIS,
                xaxis={"title": {"text": "Expertise bin (1 = least expert)"}, **BIN_AXIS},
                showlegend=False,
            ),
        },
        "caption": f"Human accuracy in 20 equal-count bins of the expertise rating given on each "
        f"trial, {source_label(report, source)} items (n = {expertise_calib['n']} trials"
        + (f"; fitted slope {slope:+.3f} per bin" if slope is not None else "")
        + f"). Top-20% experts per item: {pct(part['humans']['top_expertise'])} "
        f"(n = {part['humans']['top_expertise']['n']}).",
    }
    return [calibration, expertise]


def agreement(report: StudyReport, source: str) -> dict[str, Any]:
    """Spearman correlations of item difficulty, humans first, then every model."""
    agree = report["sources"][source]["agreement"]
    names = model_names(report)
    order = agree["scorers"]
    labels = tick_labels(["Human experts", *(names.get(n, n) for n in order)])
    # No correlation, not even of humans with themselves, without two items to rank.
    self_rho = 1.0 if agree["n_items"] >= 2 else None
    human_row = [self_rho, *(agree["human_model"].get(n) for n in order)]
    rows = [human_row]
    for i, name in enumerate(order):
        model_row = list(agree["model_model"][i]) if i < len(agree["model_model"]) else []
        rows.append([agree["human_model"].get(name), *model_row])
    size = len(labels)
    heat = {
        "type": "heatmap",
        "z": rows,
        "x": labels,
        "y": labels,
        "zmin": -1,
        "zmax": 1,
        "zmid": 0,
        "colorscale": "RdBu",
        "colorbar": {"title": {"text": "ρ"}, "thickness": 12},
        "hovertemplate": "%{y} vs %{x}<br>ρ = %{z:.2f}<extra></extra>",
        "xgap": 1,
        "ygap": 1,
    }
    if size <= 12:
        heat["texttemplate"] = "%{z:.2f}"
    mean_hm, mean_mm = agree["mean_human_model"], agree["mean_model_model"]
    caption = (
        f"Spearman correlation of item difficulty over the n = {agree['n_items']} "
        f"{source_label(report, source)} items answered by participants, every scorer "
        f"(humans: share correct; models: ln PPL altered − ln PPL original). Mean human–model ρ "
        + (f"{mean_hm:.2f}" if mean_hm is not None else "–")
        + ", mean model–model ρ "
        + (f"{mean_mm:.2f}" if mean_mm is not None else "–")
        + ". Not the paper's definition (raw PPL difference, its 15 LLMs only): that figure is "
        "in the reproduction panel."
    )
    figure = {
        "data": [heat],
        "layout": layout(
            xaxis={"tickangle": -40, "gridcolor": None, "showgrid": False},
            yaxis={"autorange": "reversed", "showgrid": False},
            margin={"l": 140, "b": 120},
        ),
    }
    return {
        "id": "agreement",
        "title": "Do people and models find the same items hard?",
        "wide": size > 8,
        "height": min(260 + 22 * size, 820),
        "figure": figure,
        "caption": caption,
    }


def team(report: StudyReport, source: str) -> dict[str, Any]:
    """Human alone, model alone and the human-model team, per model."""
    teams = report["sources"][source]["team"]
    names = model_names(report)
    ranked = sorted(
        (n for n in teams if teams[n]["n"]), key=lambda n: -(teams[n]["team"]["accuracy"] or 0)
    )
    x = tick_labels([names.get(n, n) for n in ranked])
    data = []
    for key, label, color in TEAM_BARS:
        accs = [teams[n][key] for n in ranked]
        data.append(
            {
                "type": "bar",
                "name": label,
                "x": x,
                "y": [a["accuracy"] for a in accs],
                "error_y": interval_bars(accs, thickness=1, width=2),
                "marker": {"color": color},
                "customdata": [[a["k"], a["n"]] for a in accs],
                "hovertemplate": f"%{{x}}<br>{label}: %{{y:.1%}} (%{{customdata[0]}} of "
                "%{customdata[1]} trials)<extra></extra>",
            }
        )
    ns = sorted({teams[n]["n"] for n in ranked})
    n_text = (f"{ns[0]}" if len(ns) == 1 else f"{ns[0]}–{ns[-1]}") if ns else "0"
    validations = sorted({teams[n].get("validation", "") for n in ranked})
    caption = (
        "Beyond the Luo et al. paper: the team of Yáñez, Luo, Valerio Minero and Love (Patterns "
        "2025). Each judgment is signed by its choice (human: confidence slider; model: "
        "ln PPL altered − ln PPL original); a logistic regression without intercept weighs the "
        f"two, {' / '.join(validations) or 'leave-one-out'} cross-validated over trials. "
        f"{first_upper(source_label(report, source))} items, n = {n_text} trials per model (those "
        "with a confidence rating), 95% Wilson intervals; human and model alone on the same trials."
    )
    figure = {
        "data": data,
        "layout": layout(
            barmode="group",
            yaxis=ACCURACY_AXIS,
            xaxis={"tickangle": -35 if len(x) > 6 else 0},
            margin={"b": 90, "t": 36},
            legend={"orientation": "h", "y": 1.1, "x": 0},
        ),
    }
    return {
        "id": "team",
        "title": "Human–AI teams",
        "wide": len(x) > 6,
        "figure": figure,
        "caption": caption,
    }
