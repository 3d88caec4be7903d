"""The science entries of the report on the published BrainBench data."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db

# Stated tolerances for the clustered intervals of human accuracy on the human-written items.
ESTIMATE_TOLERANCE = 0.01
HALF_WIDTH_RATIO = (0.5, 1.5)


def test_report_carries_item_summary_mixed_model_and_irt(published: Any) -> None:
    science = published["report"]["science"]
    human = science["intervals"]["human"]
    assert human["n_trials"] == 1011 and human["wilson"]["k"] == 641
    mixed = human["mixed"]["accuracy"]
    crossed = human["bootstrap_crossed"]
    assert abs(mixed["estimate"] - crossed["estimate"]) < ESTIMATE_TOLERANCE
    ratio = (mixed["high"] - mixed["low"]) / (crossed["high"] - crossed["low"])
    assert HALF_WIDTH_RATIO[0] < ratio < HALF_WIDTH_RATIO[1]
    # The participant-level bootstrap: about [0.603, 0.664].
    assert human["bootstrap_participants"]["low"] == pytest.approx(0.603, abs=0.006)
    assert human["bootstrap_participants"]["high"] == pytest.approx(0.664, abs=0.006)
    assert human["gap"]["low"] > 0  # the models are better, beyond the clustering
    assert "expertise_effect" in human["mixed"]
    assert science["headline_interval"] == "wilson"

    irt = science["irt"]
    assert irt["fitted"] and irt["n_participants"] == 171
    assert len(irt["scorers"]) == 26
    best = irt["scorers"][0]
    assert best["ability"] > 0 and best["top_percent"] < 50
    assert all(s["low"] <= s["ability"] <= s["high"] for s in irt["scorers"])

    summary = science["items"]
    assert summary["n_items"] == 300 and summary["n_defective"] == 5
    assert summary["n_suspect"] >= 5


def test_every_defective_published_row_is_suspect(published: Any) -> None:
    rows = published["report"]["science"]["item_rows"]
    defective = [r for r in rows if r["defect"]]
    assert len(defective) == 5
    assert all(r["suspect"] for r in defective)


def test_items_export_carries_the_item_analysis(published: Any, tmp_path: Any) -> None:
    import csv

    from django.core.management import call_command

    target = tmp_path / "items.csv"
    call_command("export", "items", "--study", "brainbench-2024", "-o", str(target))
    rows = list(csv.DictReader(target.open(newline="", encoding="utf-8")))
    assert len(rows) == 300
    answered = [r for r in rows if r["human_n"] and int(r["human_n"]) > 0]
    assert sum(int(r["human_n"]) for r in rows if r["human_n"]) == 1514
    assert sum(int(r["human_k"]) for r in rows if r["human_k"]) == 641 + 351
    some = answered[0]
    assert float(some["human_accuracy"]) == pytest.approx(
        int(some["human_k"]) / int(some["human_n"]), abs=1e-5
    )
    assert any(r["discrimination"] for r in rows)
    defective = [r for r in rows if r["defect"]]
    assert len(defective) == 5
    assert all(r["suspect"] == "1" and "defective" in r["suspect_reasons"] for r in defective)
    assert {r["models_correct"] != "" for r in rows} == {True}


def test_an_items_file_of_several_studies_leaves_the_analysis_empty(
    published: Any, tmp_path: Any
) -> None:
    import csv

    from django.core.management import call_command

    from tests.factories import study_make

    study_make("second")
    target = tmp_path / "items.csv"
    call_command("export", "items", "--all", "-o", str(target))
    rows = list(csv.DictReader(target.open(newline="", encoding="utf-8")))
    assert len(rows) > 300 and "discrimination" in rows[0]
    # An item's human accuracy belongs to one study: a file of several leaves it empty.
    assert {r["human_n"] for r in rows} == {""}
