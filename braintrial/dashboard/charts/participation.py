"""Figures of participation: the funnel from link to kept, and arrivals and answers per day."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from braintrial.analysis.types import StudyReport
from braintrial.dashboard.charts.common import (
    HUMAN,
    MODEL,
    count_axis,
    layout,
)

DAY_MS = 24 * 3600 * 1000


def funnel(report: StudyReport) -> dict[str, Any]:
    p = report["participation"]
    stages = [
        ("Opened the link", p["visited"]),
        ("Started the trials", p["started"]),
        ("Completed", p["completed"]),
        ("Kept after exclusions", p["included_participants"]),
    ]
    opened = max(p["visited"], 1)
    # Horizontal bars, widest first: a funnel drawn with the bar trace, so that the page's
    # plotly bundle needs no funnel module.
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": [s for s, _ in stages],
            "x": [n for _, n in stages],
            "text": [f"{n} ({n / opened:.0%})" for _, n in stages],
            "textposition": "auto",
            "marker": {"color": MODEL},
            "hovertemplate": "%{y}: %{text} of those who opened the link<extra></extra>",
        }
    ]
    caption = (
        f"Participants at each stage (n = {p['visited']} opened the link; {p['declined']} "
        f"declined consent, {p['active']} in progress, {p['abandoned']} abandoned, "
        f"{p.get('withdrawn', 0)} withdrawn and erased). "
        f"Kept: with at least one trial left after the exclusion rules."
    )
    return {
        "id": "funnel",
        "title": "Participation funnel",
        "figure": {
            "data": data,
            "layout": layout(
                margin={"l": 150},
                yaxis={"autorange": "reversed"},
                xaxis=count_axis(p["visited"]),
                bargap=0.15,
            ),
        },
        "caption": caption,
    }


def _padded_days(dates: list[str]) -> list[str] | None:
    """Room on both sides of the days drawn: a study's first day alone is not a full-width bar."""
    if not dates:
        return None
    first, last = date.fromisoformat(dates[0]), date.fromisoformat(dates[-1])
    pad = timedelta(days=3 if len(dates) <= 3 else 1)
    return [str(first - pad), str(last + pad)]


def _daily_line(name: str, x: list[str], y: list[int], color: str) -> dict[str, Any]:
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": name,
        "x": x,
        "y": y,
        "line": {"color": color},
    }


def timeline(report: StudyReport) -> dict[str, Any]:
    days = report["participation"]["by_day"]
    x = [d["date"] for d in days]
    data = [
        {
            "type": "bar",
            "name": "Trials answered",
            "x": x,
            "y": [d["answered"] for d in days],
            "marker": {"color": "#d9e2ec"},
            "yaxis": "y2",
            # Explicit width: a single day would otherwise fill the whole plot.
            "width": DAY_MS * 0.8,
        },
        _daily_line("Started", x, [d["started"] for d in days], MODEL),
        _daily_line("Completed", x, [d["completed"] for d in days], HUMAN),
    ]
    total = sum(d["answered"] for d in days)
    untimed = report["participation"]["answered_trials"] - total
    figure = {
        "data": data,
        "layout": layout(
            xaxis={
                "type": "date",
                "title": {"text": "Day (UTC)"},
                "tickformat": "%d %b",
                # Nothing dated yet: the week around today, not an axis from 1970.
                "range": _padded_days(x or [timezone.now().date().isoformat()]),
                **({"dtick": DAY_MS} if len(x) <= 14 else {}),
            },
            yaxis={
                "title": {"text": "Participants"},
                **count_axis(max((max(d["started"], d["completed"]) for d in days), default=0)),
                **({} if days else {"range": [0, 1], "showticklabels": False}),
            },
            yaxis2={
                "title": {"text": "Trials"},
                "overlaying": "y",
                "side": "right",
                "showgrid": False,
                **count_axis(max((d["answered"] for d in days), default=0)),
                **({} if total else {"range": [0, 1], "showticklabels": False}),
            },
            margin={"r": 56},
        ),
    }
    caption = (
        f"Participants started and completed, and trials answered, per day over {len(days)} "
        f"day{'s' if len(days) != 1 else ''} (n = {total} trials, before exclusions)."
        if days
        else "Participants started and completed, and trials answered, per day: none dated "
        "yet (n = 0 trials)."
    ) + (
        f" {untimed} answered trials carry no time (imported published data) and are not shown."
        if untimed > 0
        else ""
    )
    return {
        "id": "timeline",
        "title": "Participation over time",
        "figure": figure,
        "caption": caption,
    }
