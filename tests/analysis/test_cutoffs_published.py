"""The cut-off figures on the published study: the 26 published scorers' cut-offs with their
sources, the items' dates from their DOIs, and accuracy after and before each cut-off."""

from __future__ import annotations

import json
from typing import Any

import pytest

from braintrial.brainbench.score_rows import scorer_name_from_model
from scoring.cutoffs import NO_CUTOFF

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.published_report,
    # One xdist worker imports the study and computes its report for the whole module.
    pytest.mark.xdist_group("test_cutoffs_published"),
]


def cutoffs(published: Any) -> dict[str, Any]:
    return published["report"]["cutoffs"]


def scored(published: Any, name: str) -> int:
    """Items the scorer has a published score on (some are scored on the human-written only)."""
    return next(s["n_items_scored"] for s in published["report"]["scorers"] if s["name"] == name)


def model(published: Any, hub_id: str) -> dict[str, Any]:
    name = scorer_name_from_model(hub_id)
    return next(row for row in cutoffs(published)["models"] if row["name"] == name)


def test_every_published_item_is_dated_by_the_year_its_doi_names(published: Any) -> None:
    report = cutoffs(published)
    assert report["n_items"] == report["n_dated"] == 300
    assert report["date_precision"] == {"year": 300}
    assert report["date_sources"] == {"the year the Journal of Neuroscience DOI names": 300}
    assert published["report"]["analyses"]["cutoffs"]["ok"]


def test_each_of_the_26_published_scorers_has_a_cutoff_or_says_why_not(published: Any) -> None:
    rows = cutoffs(published)["models"]
    assert len(rows) == 26
    stated = {row["name"] for row in rows if row["cutoff"] and row["cutoff"]["stated"]}
    released = {row["name"] for row in rows if row["cutoff"] and not row["cutoff"]["stated"]}
    unknown = {row["name"] for row in rows if row["cutoff"] is None}
    assert len(stated) == 8  # six Llama-2s, Phi-3-mini, GPT-2
    assert len(released) == 11  # the release month of published_models.csv stands in
    assert len(unknown) == 7  # the paper's fine-tunes and from-scratch GPT-2s
    for row in rows:
        if row["cutoff"] is None:
            assert row["note"] == NO_CUTOFF
        elif not row["cutoff"]["stated"]:
            assert row["cutoff"]["source"].startswith("not stated: the release month")
        else:
            assert "model card" in row["cutoff"]["source"] or "paper" in row["cutoff"]["source"]


def test_llama2_is_scored_after_its_september_2022_cutoff_on_the_2023_papers(
    published: Any,
) -> None:
    row = model(published, "meta-llama/Llama-2-7b-hf")
    assert (row["cutoff"]["first"], row["cutoff"]["last"]) == ("2022-09-01", "2022-09-30")
    assert "Llama 2 model card" in row["cutoff"]["source"]
    # 2023 papers are after; 2022 papers (dated only by their year) overlap September 2022.
    assert row["after"]["n"] > 0 and row["before"]["n"] == 0
    assert row["after"]["n"] + row["n_overlapping"] == 300
    assert row["after"]["low"] <= row["after"]["accuracy"] <= row["after"]["high"]


def test_a_model_with_no_item_after_its_cutoff_says_so(published: Any) -> None:
    row = model(published, "TinyLlama/TinyLlama_v1.1")  # released 2024-03
    assert row["after"]["n"] == 0 and row["after"]["accuracy"] is None
    assert row["before"]["n"] == scored(published, row["name"]) > 0
    assert row["note"].startswith("no item published after its cut-off")


def test_gpt2_has_read_none_of_the_items(published: Any) -> None:
    row = model(published, "gpt2")
    assert row["after"]["n"] == scored(published, row["name"]) > 0
    assert row["before"]["n"] == 0 and not row["note"]


def test_months_bins_hold_every_dated_pair_of_the_models_with_a_cutoff(published: Any) -> None:
    report = cutoffs(published)
    pairs = sum(scored(published, row["name"]) for row in report["models"] if row["cutoff"])
    assert sum(b["n"] for b in report["months"]) == pairs
    for b in report["months"]:
        assert b["months_to"] - b["months_from"] == report["bin_months"]
        if b["low"] is not None:
            assert b["low"] <= b["accuracy"] <= b["high"]


def test_write_the_published_cutoff_figures(published: Any, output_dir: Any) -> None:
    """The figures people read, left for them (and the report) in the output folder."""
    report = cutoffs(published)
    rows = [
        {
            "model": row["display_name"],
            "cutoff": row["cutoff"],
            "after": [row["after"]["accuracy"], row["after"]["n"]],
            "before": [row["before"]["accuracy"], row["before"]["n"]],
            "overlapping": row["n_overlapping"],
            "note": row["note"],
        }
        for row in report["models"]
    ]
    path = output_dir / "published_cutoffs.json"
    path.write_text(json.dumps({"models": rows, "months": report["months"]}, indent=1))
    assert path.stat().st_size > 0


def test_the_study_page_draws_the_cutoff_figures_of_the_26_scorers(published: Any) -> None:
    import plotly.graph_objects as go

    from braintrial.dashboard.charts import figures_from_report

    charts = {c["id"]: c for c in figures_from_report(report=published["report"])["charts"]}
    per_model = charts["cutoff-models"]
    go.Figure(per_model["figure"])
    assert len(per_model["figure"]["data"][0]["y"]) == 26
    caption = per_model["caption"]
    assert "n = 300 of 300, 300 by the year the Journal of Neuroscience DOI names" in caption
    assert "Llama 2 model card" in caption and "not stated: the release month" in caption
    assert "no cut-off known" in caption
    months = charts["cutoff-months"]
    go.Figure(months["figure"])
    assert months["figure"]["data"][0]["x"] and "n = " in months["caption"]
