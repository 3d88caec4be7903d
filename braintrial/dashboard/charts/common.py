"""Shared pieces of the dashboard figures: colours, number formats, the base layout."""

# Display text uses typographic dashes, minus signs and rho on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

from typing import Any

from braintrial.analysis.types import Accuracy, StudyReport

SOURCE_LABELS = {"human": "human-written", "gpt4": "GPT-4-written", "all": "all"}
HUMAN = "#c0392b"
TOP = "#7d3c98"
MODEL = "#4a7fc1"
OWN_MODEL = "#1f9e89"
CHANCE = "#9aa5b1"
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12}


def source_label(report: StudyReport, source: str) -> str:
    """The item group ``source`` in words, as the report names it: the machine-written group
    names the sources it holds ("GPT-4-written", "model-drafted", or both, items.sources);
    a report cached before groups had labels falls back to the key's label."""
    group = report["sources"].get(source)
    label = group.get("label") if group else None
    return label or SOURCE_LABELS[source]


def pct(acc: Accuracy | None) -> str:
    value = acc["accuracy"] if acc else None
    return "–" if value is None else f"{100 * value:.1f}%"


def _above(acc: Accuracy) -> float:
    """How far the interval reaches above the accuracy (0 where there is no answer)."""
    high, value = acc["high"], acc["accuracy"]
    return high - value if high is not None and value is not None else 0


def _below(acc: Accuracy) -> float:
    low, value = acc["low"], acc["accuracy"]
    return value - low if low is not None and value is not None else 0


def interval_bars(accs: list[Accuracy], **style: Any) -> dict[str, Any]:
    """Plotly error bars from each Acc's 95% Wilson interval (asymmetric near 0% and 100%)."""
    return {
        "type": "data",
        "symmetric": False,
        "array": [_above(a) for a in accs],
        "arrayminus": [_below(a) for a in accs],
        "color": "#52606d",
        **style,
    }


def interval_text(acc: Accuracy) -> str:
    """'95% CI 20.7-100.0%' for an Acc, '' where there is no answer."""
    low, high = acc["low"], acc["high"]
    if low is None or high is None:
        return ""
    return f"95% CI {100 * low:.1f}\u2013{100 * high:.1f}%"


def layout(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "font": FONT,
        "margin": {"l": 56, "r": 20, "t": 16, "b": 56},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "hovermode": "closest",
        "legend": {"orientation": "h", "y": -0.22, "x": 0},
        "xaxis": {"automargin": True, "gridcolor": "#eef0f3"},
        "yaxis": {"automargin": True, "gridcolor": "#eef0f3", "zeroline": False},
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return base


def hline(y: float, color: str, label: str, dash: str = "dash") -> tuple[dict, dict]:
    """A horizontal reference line across the plot and its label at the right end."""
    shape = {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "y0": y,
        "y1": y,
        "line": {"color": color, "width": 2, "dash": dash},
    }
    note = {
        "xref": "paper",
        "x": 1,
        "y": y,
        "xanchor": "right",
        "yanchor": "bottom",
        "text": label,
        "showarrow": False,
        "font": {"color": color, "size": 11},
        "bgcolor": "rgba(255,255,255,0.8)",
    }
    return shape, note


def model_names(report: StudyReport) -> dict[str, str]:
    return {s["name"]: s["display_name"] for s in report["scorers"]}


def model_colors(report: StudyReport) -> dict[str, str]:
    return {s["name"]: MODEL if s["is_published"] else OWN_MODEL for s in report["scorers"]}


def tick_labels(names: list[str], limit: int = 18) -> list[str]:
    """Category labels in full, broken over lines of about ``limit`` characters at spaces (a
    name is never cut: two cut names could read alike), still unique."""
    out: list[str] = []
    for name in names:
        lines: list[str] = []
        for word in name.split(" "):
            if lines and len(lines[-1]) + 1 + len(word) <= limit:
                lines[-1] += " " + word
            else:
                lines.append(word)
        label = "<br>".join(lines)
        while label in out:
            label += "\u200b"  # an invisible character keeps two equal names apart
        out.append(label)
    return out


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 trial', '2 trials'; ``many`` for words that do not take an s ('people')."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


# Below this many, plotly would step a count axis by 0.5 or 0.2 (read as "0, 0, 1, 1").
SMALL_COUNT = 5


def count_axis(largest: float) -> dict[str, Any]:
    """An axis of counts: whole numbers only, from zero."""
    axis: dict[str, Any] = {"rangemode": "tozero", "tickformat": ",d"}
    if largest <= SMALL_COUNT:
        axis.update(tick0=0, dtick=1)
    return axis


def first_upper(text: str) -> str:
    """'GPT-4-written' stays as it is, where str.capitalize() would give 'Gpt-4-written'."""
    return text[:1].upper() + text[1:]


def _has_points(values: Any) -> bool:
    if isinstance(values, list | tuple):
        return any(_has_points(v) for v in values)
    return values is not None


def empty_note(chart: dict[str, Any]) -> dict[str, Any]:
    """A chart with nothing to draw says so, instead of showing bare axes with made-up ticks."""
    figure = chart["figure"]
    traces = figure["data"]
    # Heatmaps carry their values in z, bars and lines in y (or x when horizontal, with labels
    # in y: those always count as something to draw).
    if any(_has_points(t.get("z" if "z" in t else "y" if "y" in t else "x")) for t in traces):
        return chart
    layout = figure["layout"]
    for axis in [key for key in layout if key.startswith(("xaxis", "yaxis"))]:
        layout[axis] = {**layout[axis], "visible": False}
    layout["showlegend"] = False
    layout["annotations"] = [
        *layout.get("annotations", []),
        {
            "text": "Nothing to draw yet (see below).",
            "showarrow": False,
            "xref": "paper",
            "yref": "paper",
            "x": 0.5,
            "y": 0.5,
            "font": {"size": 14, "color": "#7b8794"},
        },
    ]
    return chart


def unavailable(chart: dict[str, Any], reason: str) -> dict[str, Any]:
    """The panel of an analysis that could not be computed on the data at hand: the reason in
    words where the figure would be (analysis.guard); the page's other charts are unaffected."""
    figure = {
        "data": [],
        "layout": {
            **chart["figure"]["layout"],
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "showlegend": False,
            "annotations": [
                {
                    "text": "Cannot be computed on these data (see below).",
                    "showarrow": False,
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0.5,
                    "y": 0.5,
                    "font": {"size": 14, "color": "#7b8794"},
                }
            ],
        },
    }
    return {**chart, "figure": figure, "caption": reason, "unavailable": reason}
