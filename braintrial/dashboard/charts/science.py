"""Every scorer against the average human expert (analysis.science.irt)."""

from __future__ import annotations

from typing import Any

from braintrial.analysis.types import StudyReport
from braintrial.dashboard.charts.common import HUMAN, MODEL, layout

PENDING = (
    "The models' lead over the experts is fitted in the background, under the study's own "
    "exclusion rules: it is drawn here when the fit of the latest data is ready, and not for "
    "other rules."
)


def ability_scale(report: StudyReport) -> dict[str, Any]:
    """Each scorer's logit advantage over the average expert, with its 95% interval; the
    experts' own spread drawn as a band where the data identify it."""
    science = report["science"]
    if science is None:
        return {
            "id": "ability",
            "title": "How far ahead of the average expert is each model?",
            "wide": True,
            "height": 200,
            "figure": {"data": [], "layout": layout(showlegend=False)},
            "caption": PENDING,
        }
    irt = science["irt"]
    scorers = list(reversed(irt.get("scorers", [])))  # the furthest ahead at the top
    traces: list[dict[str, Any]] = []
    if scorers:
        lead = [s["advantage"] for s in scorers]
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "Models",
                "x": [a["estimate"] for a in lead],
                "y": [s["display_name"] for s in scorers],
                "marker": {"color": MODEL, "size": 8},
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": [a["high"] - a["estimate"] for a in lead],
                    "arrayminus": [a["estimate"] - a["low"] for a in lead],
                    "color": "#52606d",
                },
                "customdata": [[a["n_right"], a["n_items"]] for a in lead],
                "hovertemplate": "%{y}: %{x:.2f} logits ahead of the average expert<br>"
                "right on %{customdata[0]} of %{customdata[1]}<extra></extra>",
            }
        )
    shapes: list[dict[str, Any]] = [
        {
            "type": "line",
            "x0": 0,
            "x1": 0,
            "yref": "paper",
            "y0": 0,
            "y1": 1,
            "line": {"color": HUMAN, "width": 2},
        }
    ]
    slope = irt.get("slope")
    if slope and slope["identified"]:
        spread = 1.96 * slope["estimate"]
        shapes.append(
            {
                "type": "rect",
                "x0": -spread,
                "x1": spread,
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "fillcolor": HUMAN,
                "opacity": 0.12,
                "line": {"width": 0},
            }
        )
    rows = len(scorers) + 1
    figure = {
        "data": traces,
        "layout": layout(
            xaxis={"title": {"text": "Lead over the average expert (logits)"}, "zeroline": False},
            yaxis={"type": "category", "automargin": True},
            showlegend=False,
            shapes=shapes,
            margin={"l": 56, "r": 20, "t": 16, "b": 48},
        ),
    }
    if irt.get("fitted"):
        caption = (
            f"The line at 0 is the average of the n = {irt['n_participants']} experts. Each "
            f"of the {len(scorers)} models is placed from its own answers on the same test "
            "cases, with its 95% range (its answers and the test cases' difficulties). At 1 "
            "logit, a model is right 73% of the time where the average expert is right half "
            f"the time. {irt['spread'][:1].upper()}{irt['spread'][1:]}"
            + (" (the shaded band holds 95% of them)." if slope and slope["identified"] else ".")
        )
    else:
        caption = irt.get("note", "Too few answers to place the models yet.")
    return {
        "id": "ability",
        "title": "How far ahead of the average expert is each model?",
        "wide": True,
        "height": min(160 + 24 * rows, 900),
        "figure": figure,
        "caption": caption,
    }
