"""Every scorer on the human experts' ability scale (analysis.science.irt)."""

from __future__ import annotations

from typing import Any

from braintrial.analysis.types import StudyReport
from braintrial.dashboard.charts.common import HUMAN, MODEL, layout

HUMANS_ROW = "Human experts (each dot a participant)"
PENDING = (
    "The experts' ability scale is fitted in the background, under the study's own exclusion "
    "rules: it is drawn here when the fit of the latest data is ready, and not for other rules."
)


def ability_scale(report: StudyReport) -> dict[str, Any]:
    """Scorers' abilities with 95% intervals above the participants' own (EAP) abilities, on
    the scale where the experts have mean 0 and standard deviation 1."""
    science = report["science"]
    if science is None:
        return {
            "id": "ability",
            "title": "The models among the human experts",
            "wide": True,
            "height": 200,
            "figure": {"data": [], "layout": layout(showlegend=False)},
            "caption": PENDING,
        }
    irt = science["irt"]
    scorers = list(reversed(irt.get("scorers", [])))  # the best at the top
    traces: list[dict[str, Any]] = []
    if irt.get("fitted"):
        abilities = irt["humans"]["abilities"]
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "Participants",
                "x": abilities,
                "y": [HUMANS_ROW] * len(abilities),
                "marker": {"color": HUMAN, "size": 6, "opacity": 0.45},
                "hovertemplate": "a participant: %{x:.2f}<extra></extra>",
            }
        )
    if scorers:
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "Scorers",
                "x": [s["ability"] for s in scorers],
                "y": [s["display_name"] for s in scorers],
                "marker": {"color": MODEL, "size": 8},
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": [s["high"] - s["ability"] for s in scorers],
                    "arrayminus": [s["ability"] - s["low"] for s in scorers],
                    "color": "#52606d",
                },
                "customdata": [[s["top_percent"]] for s in scorers],
                "hovertemplate": "%{y}: %{x:.2f}<br>like the top %{customdata[0]:.1f}% of the "
                "experts<extra></extra>",
            }
        )
    rows = len(scorers) + 1
    figure = {
        "data": traces,
        "layout": layout(
            xaxis={"title": {"text": "Ability (standard deviations of the experts)"}},
            yaxis={"type": "category", "automargin": True},
            showlegend=False,
            margin={"l": 56, "r": 20, "t": 16, "b": 48},
        ),
    }
    if irt.get("fitted"):
        caption = (
            f"A Rasch model of the answers of n = {irt['n_participants']} participants on "
            f"{irt['n_items']} items sets the experts' scale (mean 0, sd 1); each of the "
            f"{len(scorers)} scorers is placed from its own choices on the same items, with "
            "its 95% interval. A scorer at 2 does better than about 98% of the experts would."
        )
    else:
        caption = irt.get("note", "Too few answers to fit the scale yet.")
    return {
        "id": "ability",
        "title": "The models among the human experts",
        "wide": True,
        "height": min(160 + 24 * rows, 900),
        "figure": figure,
        "caption": caption,
    }
