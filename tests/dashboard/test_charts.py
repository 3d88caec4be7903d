"""The figures: valid plotly, drawn from the report's numbers, and a caption with n each."""

from __future__ import annotations

import json
from datetime import date

import plotly.graph_objects as go
import pytest

from braintrial.analysis.rules import RULE_LABELS
from braintrial.analysis.selectors import study_report
from braintrial.dashboard.charts import figures_from_report
from braintrial.dashboard.charts.accuracy import tick_label
from braintrial.dashboard.charts.common import tick_labels
from braintrial.dashboard.charts.participation import timeline
from braintrial.dashboard.charts.study import exclusions
from braintrial.studies.models import Study

from .conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(world: World) -> dict:
    return study_report(study=world.study)


@pytest.mark.parametrize("source", ["human", "gpt4", "all"])
def test_every_figure_is_valid_plotly_with_a_caption(report: dict, source: str) -> None:
    figures = figures_from_report(report=report, source=source)
    ids = [chart["id"] for chart in figures["charts"]]
    assert len(ids) == len(set(ids)) == 16
    for chart in figures["charts"]:
        go.Figure(chart["figure"])  # raises on any property plotly does not know
        assert "n = " in chart["caption"], chart["id"]
    json.dumps(figures)  # the page embeds it as JSON


def test_headline_bars_are_models_sorted_with_human_lines(report: dict) -> None:
    headline = figures_from_report(report=report)["charts"][0]
    bars = headline["figure"]["data"][0]
    assert bars["x"] == ["Model-Strong", "Model-Weak"]
    models = report["sources"]["human"]["models"]
    assert bars["y"] == [models["model-strong"]["accuracy"]["accuracy"],
                         models["model-weak"]["accuracy"]["accuracy"]]  # fmt: skip
    strong = models["model-strong"]["accuracy"]
    # 95% Wilson interval, asymmetric: up to ``high``, down to ``low``.
    assert bars["error_y"]["array"][0] == pytest.approx(strong["high"] - strong["accuracy"])
    assert bars["error_y"]["arrayminus"][0] == pytest.approx(strong["accuracy"] - strong["low"])
    lines = {shape["y0"] for shape in headline["figure"]["layout"]["shapes"]}
    humans = report["sources"]["human"]["humans"]
    assert humans["accuracy"]["accuracy"] in lines
    assert humans["top_expertise"]["accuracy"] is None or (
        humans["top_expertise"]["accuracy"] in lines
    )
    assert 0.5 in lines  # chance


def test_agreement_heatmap_puts_humans_first_and_is_symmetric(report: dict) -> None:
    chart = next(c for c in figures_from_report(report=report)["charts"] if c["id"] == "agreement")
    heat = chart["figure"]["data"][0]
    assert heat["x"][0] == "Human experts" and heat["x"] == heat["y"]
    z = heat["z"]
    for i in range(len(z)):
        for j in range(len(z)):
            assert z[i][j] == z[j][i]


def test_calibration_draws_twenty_human_bins_and_a_fitted_line(world: World, report: dict) -> None:
    chart = next(
        c for c in figures_from_report(report=report)["charts"] if c["id"] == "calibration"
    )
    humans = [t for t in chart["figure"]["data"] if t.get("legendgroup") == "Human experts"]
    points, line = humans
    calib = report["sources"]["human"]["calibration"]["humans"]
    assert len(points["x"]) == len(calib["bins"]) == 20
    fit = calib["fit"]
    assert line["y"][0] == pytest.approx(fit["intercept"] + fit["slope"] * 1)


def test_empty_study_still_draws_every_chart(world: World) -> None:
    empty = study_report(study=world.other_study)
    figures = figures_from_report(report=empty)
    for chart in figures["charts"]:
        go.Figure(chart["figure"])
    assert figures["summary"][0]["value"] == "–"  # noqa: RUF001


def test_long_group_names_break_over_two_lines() -> None:
    assert tick_label("Predoctoral student") == "Predoctoral<br>student"
    assert tick_label("Postdoctoral researcher") == "Postdoctoral<br>researcher"
    assert tick_label("Behavioral/Cognitive") == "Behavioral/<br>Cognitive"
    assert tick_label("Other") == "Other"


def test_timeline_of_undated_data_says_so() -> None:
    chart = timeline({"participation": {"by_day": [], "answered_trials": 1514}})
    assert "none dated yet (n = 0 trials)" in chart["caption"]
    assert "1514 answered trials carry no time" in chart["caption"]
    first, last = chart["figure"]["layout"]["xaxis"]["range"]
    assert (date.fromisoformat(last) - date.fromisoformat(first)).days == 6
    go.Figure(chart["figure"])


def test_charts_without_answers_say_so_instead_of_bare_axes(world: World) -> None:
    empty = Study.objects.create(slug="empty", title="Empty", bank=world.study.bank)
    charts = {
        c["id"]: c["figure"]
        for c in figures_from_report(report=study_report(study=empty))["charts"]
    }
    note = "Nothing to draw yet (see below)."
    for empty_id in ("split-section", "split-position", "expertise", "agreement", "team"):
        layout = charts[empty_id]["layout"]
        assert [a["text"] for a in layout["annotations"]] == [note], empty_id
        assert layout["xaxis"]["visible"] is False
        go.Figure(charts[empty_id])
    # The models still have scores on the bank's items: their bars are drawn, with no note.
    assert note not in str(charts["headline"]["layout"].get("annotations", []))


def test_models_on_different_item_sets_are_said_not_mixed_silently(report: dict) -> None:
    models = report["sources"]["all"]["models"]
    first = next(iter(models))
    models[first]["accuracy"] = {**models[first]["accuracy"], "n": 1}
    figures = figures_from_report(report=report, source="all")
    caption = figures["charts"][0]["caption"]
    assert "models scored on different item sets" in caption
    assert "1 models on n = 1 items" in caption
    assert all(chart["caption"].startswith("Beyond the paper") for chart in figures["charts"])
    assert figures["reproduction"] is None  # the panel belongs to the published study


def test_paper_agreement_definition_is_labelled(report: dict) -> None:
    agreement = next(
        c for c in figures_from_report(report=report)["charts"] if c["id"] == "agreement"
    )
    assert "Not the paper's definition" in agreement["caption"]
    team = next(c for c in figures_from_report(report=report)["charts"] if c["id"] == "team")
    assert "Yáñez" in team["caption"] and "logistic regression" in team["caption"]


def test_small_counts_step_by_whole_numbers() -> None:
    """One participant on one day: the axis read "0, 0, 0, 1, 1, 1" (steps of 0.2 as integers)."""
    day = {"date": "2026-05-01", "started": 1, "completed": 1, "answered": 3}
    report = {"participation": {"by_day": [day], "answered_trials": 3}}
    layout = timeline(report)["figure"]["layout"]
    assert (layout["yaxis"]["dtick"], layout["yaxis"]["tick0"]) == (1, 0)
    assert (layout["yaxis2"]["dtick"], layout["yaxis2"]["tickformat"]) == (1, ",d")


def test_exclusion_counts_read_in_correct_plurals(report: dict) -> None:
    flagged = {name: {"trials": 1, "participants": 1} for name in RULE_LABELS}
    flagged["fast"] = {"trials": 4, "participants": 2}
    chart = exclusions({**report, "participation": {**report["participation"], "flagged": flagged}})
    text = dict(zip(RULE_LABELS, chart["figure"]["data"][0]["text"], strict=True))
    assert text["recognised"] == "1 trial · 1 person"
    assert text["fast"] == "4 trials · 2 people"


def test_chance_label_sits_in_the_margin_not_over_the_bars(report: dict) -> None:
    headline = figures_from_report(report=report)["charts"][0]["figure"]["layout"]
    (note,) = [a for a in headline["annotations"] if a["text"] == "chance"]
    assert (note["xref"], note["x"], note["xanchor"]) == ("paper", 1, "left")
    assert headline["margin"]["r"] >= 60


def test_model_names_are_never_cut() -> None:
    long = "Llama-2-7B (chat), LoRA fine-tune"
    (label,) = tick_labels([long])
    assert label.replace("<br>", " ") == long and "…" not in label
