"""The living benchmark's charts (dashboard.charts.living) on a small study: what they draw and
what they say where there is nothing to draw."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import pytest

from braintrial.analysis.selectors import study_report
from braintrial.dashboard.charts import figures_from_report
from braintrial.items.models import Item
from braintrial.studies.models import Study
from scoring.models import Scorer
from tests.factories import item_make, scores_make, study_make

pytestmark = pytest.mark.django_db


def charts_of(study: Study) -> dict[str, dict]:
    report = study_report(study=study, science=False)
    return {c["id"]: c for c in figures_from_report(report=report)["charts"]}


def test_without_dates_or_held_out_items_the_panels_say_so():
    made = study_make("plain")
    charts = charts_of(made.study)
    assert "published column" in charts["cutoff-months"]["caption"]
    assert "holds no items out" in charts["held-out"]["caption"]
    for chart in ("cutoff-models", "cutoff-months", "held-out"):
        go.Figure(charts[chart]["figure"])


def test_dated_items_and_a_cutoff_draw_both_sides_and_the_months():
    made = study_make("dated", n_people=0, held_out_share=0.5)  # nobody yet: every item in scope
    Item.objects.filter(bank=made.study.bank).update(
        published_first=dt.date(2023, 3, 1),
        published_last=dt.date(2023, 3, 31),
        published_precision="month",
        published_source="the published column of items.csv",
    )
    early = [item_make(bank=made.study.bank, row=50 + n, source_file="early.csv") for n in range(4)]
    Item.objects.filter(pk__in=[i.pk for i in early]).update(
        published_first=dt.date(2021, 5, 1),
        published_last=dt.date(2021, 5, 31),
        published_precision="month",
        published_source="the published column of early.csv",
    )
    scorer = Scorer.objects.get(name="factory-model")
    scores_make(scorer=scorer, ppl={item: (10.0, 12.0) for item in early})
    Scorer.objects.filter(pk=scorer.pk).update(released="2022-06")
    charts = charts_of(Study.objects.get(pk=made.study.pk))
    per_model = charts["cutoff-models"]
    after, before = per_model["figure"]["data"]
    assert after["x"][0] is not None and before["x"][0] == 1.0
    assert "not stated: the release month (2022-06)" in per_model["caption"]
    months = charts["cutoff-months"]["figure"]["data"][0]
    assert any(x < 0 for x in months["x"]) and any(x > 0 for x in months["x"])
    held = charts["held-out"]
    go.Figure(held["figure"])
    assert "Human experts" in held["figure"]["data"][0]["y"]
    assert "out of every public download" in held["caption"]
