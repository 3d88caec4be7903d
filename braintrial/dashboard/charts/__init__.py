"""Plotly figures for the study page, built from the analysis report (analysis.selectors).

Figures are plain plotly JSON dicts ({"data": [...], "layout": {...}}) rather than
plotly.graph_objects: constructing graph objects validates every property and would cost more
than the analysis itself at 30 scorers. The tests load each figure into go.Figure, so a property
plotly does not know still fails there.

Every chart comes with a caption saying what it shows and on how many trials, items or people.
"""

from __future__ import annotations

from typing import Any

from braintrial.analysis.types import StudyReport
from braintrial.brainbench.names import STUDY_SLUG
from braintrial.dashboard.charts import (
    accuracy,
    living,
    models,
    participation,
    science,
    study,
)
from braintrial.dashboard.charts.common import empty_note, unavailable

# The pooled view is this app's, not the paper's: every chart on it says so.
POOLED_NOTE = (
    "Beyond the paper: human-written and GPT-4-written items pooled (models on up to 300 "
    "items, humans on every included trial). "
)


def figures_from_report(*, report: StudyReport, source: str = "human") -> dict[str, Any]:
    """The page's summary figures and every chart, for the items of ``source``; on the
    published study also the reproduction panel (the paper's figures beside the app's)."""
    charts = [
        accuracy.headline(report, source),
        accuracy.split(report, source, "source"),
        accuracy.split(report, source, "section"),
        accuracy.split(report, source, "position"),
        *models.calibration_charts(report, source),
        models.agreement(report, source),
        models.team(report, source),
        science.ability_scale(report),
        living.cutoff_models(report),
        living.cutoff_months(report),
        living.held_out(report),
        participation.funnel(report),
        participation.timeline(report),
        study.exposure(report),
        study.exclusions(report),
    ]
    if source == "all":
        charts = [{**chart, "caption": POOLED_NOTE + chart["caption"]} for chart in charts]
    published = report["study"]["slug"] == STUDY_SLUG
    return {
        "summary": study.summary(report, source),
        "exclusions": study.exclusion_lines(report),
        "charts": [_panel(chart, report, source) for chart in charts],
        "reproduction": report.get("reproduction") if published else None,
    }


def _analyses_behind(chart_id: str, source: str) -> list[str]:
    """The guarded analyses (analysis.guard) that a chart draws, most specific first."""
    if chart_id == "team":
        return [f"paper.{source}.teams", f"paper.{source}", f"sources.{source}"]
    if chart_id == "ability":
        return ["science"]
    if chart_id in ("cutoff-models", "cutoff-months"):
        return ["cutoffs"]
    if chart_id == "held-out":
        return ["held_out"]
    if chart_id in ("headline", "calibration", "expertise", "agreement") or chart_id.startswith(
        "split-"
    ):
        return [f"sources.{source}"]
    return []


def _panel(chart: dict[str, Any], report: StudyReport, source: str) -> dict[str, Any]:
    """The chart; where an analysis behind it could not be computed, the reason instead."""
    statuses = report.get("analyses", {})
    for name in _analyses_behind(chart["id"], source):
        status = statuses.get(name)
        if status is not None and not status["ok"]:
            return unavailable(chart, status["reason"])
    return empty_note(chart)
