"""The science entries of the report on the published BrainBench data."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.published_report,
    # One xdist worker imports the study and computes its report for the whole module.
    pytest.mark.xdist_group("test_published_science"),
]

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
    # The participant-level bootstrap: about [0.603, 0.664]; the item-level one
    # about [0.598, 0.668].
    assert human["bootstrap_participants"]["low"] == pytest.approx(0.603, abs=0.006)
    assert human["bootstrap_participants"]["high"] == pytest.approx(0.664, abs=0.006)
    assert human["bootstrap_items"]["low"] == pytest.approx(0.598, abs=0.006)
    assert human["bootstrap_items"]["high"] == pytest.approx(0.668, abs=0.006)
    # How much experts differ sits at its boundary: said so, not shown as a finding.
    assert human["mixed"]["sd_respondents_at_boundary"]
    assert human["mixed"]["expertise_effect"]["low"] > 0  # self-rated expertise predicts
    assert science["headline_interval"] == "wilson"

    irt = science["irt"]
    assert irt["fitted"] and irt["n_participants"] == 171
    assert not irt["slope"]["identified"] and irt["slope"]["low"] == 0.0
    assert len(irt["scorers"]) == 26
    assert all(s["top_percent"] is None for s in irt["scorers"])
    lead = [s["advantage"] for s in irt["scorers"]]
    assert all(a["low"] <= a["estimate"] <= a["high"] for a in lead)
    assert 0.8 < lead[0]["estimate"] < 1.8

    summary = science["items"]
    assert summary["n_items"] == 300 and summary["n_defective"] == 5
    assert summary["n_suspect"] <= 2  # about five answers an item: chance rarely flags


def test_pooled_model_figures_name_their_pool_the_papers_llms_by_default(published: Any) -> None:
    science = published["report"]["science"]
    assert science["pools"]["paper"] == {"label": "the paper's 15 LLMs", "n_scorers": 15}
    assert science["pools"]["all"] == {"label": "all 26 scorers", "n_scorers": 26}
    human = science["intervals"]["human"]
    assert human["pool"] == "the paper's 15 LLMs" and human["models"]["n_respondents"] == 15
    paper, every = human["pools"]["paper"], human["pools"]["all"]
    # The paper's mean of its 15 LLMs on human-written items: 81.4%.
    assert paper["raw_accuracy"] == pytest.approx(0.814, abs=0.001)
    assert paper["models"]["accuracy"]["estimate"] == pytest.approx(0.814, abs=0.001)
    assert every["raw_accuracy"] == pytest.approx(0.774, abs=0.001)
    # The independent check: for the paper's 15 LLMs the gap is 0.182 (0.137-0.228).
    assert paper["gap"]["estimate"] == pytest.approx(0.18, abs=0.01)
    assert paper["gap"]["low"] == pytest.approx(0.137, abs=0.02)
    assert paper["gap"]["high"] == pytest.approx(0.228, abs=0.02)


def test_human_model_agreement_on_difficulty_is_corrected_for_noise(published: Any) -> None:
    """The paper's 0.15 correlates human item accuracy over about five answers with the
    models' difficulties, and the noise pulls it toward zero; the joint model's correlation of
    item effects (the independent check: about 0.41, 0.15-0.62) stands clearly above it."""
    agreement = published["report"]["science"]["agreement"]
    assert agreement["pool"] == "the paper's 15 LLMs"
    assert agreement["low"] < agreement["item_correlation"] < agreement["high"]
    assert 0.3 < agreement["item_correlation"] < 0.7 and agreement["low"] > 0.15


def test_the_ceiling_heavy_gpt4_items_hold_the_raw_proportion(published: Any) -> None:
    """On the GPT-4-written items most test cases are right for every model: the models'
    figure is their share right (0.804 for the paper's LLMs, the paper's 80.4%), with a range
    around it, not a logistic model's 0.84 that leaves the data."""
    gpt4 = published["report"]["science"]["intervals"]["gpt4"]
    for pool in gpt4["pools"].values():
        models = pool["models"]
        assert models is not None and models["method"] == "anova"
        low, high = models["accuracy"]["low"], models["accuracy"]["high"]
        assert low < pool["raw_accuracy"] < high
        assert models["accuracy"]["estimate"] == pytest.approx(pool["raw_accuracy"])
    assert gpt4["pools"]["paper"]["raw_accuracy"] == pytest.approx(0.804, abs=0.001)
    assert gpt4["separation"]["n_items"] == 100


def test_defective_published_rows_are_shown_apart_from_data_driven_flags(published: Any) -> None:
    rows = published["report"]["science"]["item_rows"]
    defective = [r for r in rows if r["defect"]]
    assert len(defective) == 5
    assert all(not any("importer" in reason for reason in r["suspect_reasons"]) for r in rows)


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
    # The importer's note is its own column, not a data-driven reason.
    assert all("importer" not in r["suspect_reasons"] for r in rows)
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


def test_model_families_as_a_random_effect_on_the_published_data(published: Any) -> None:
    """The paper's 15 LLMs come from 4 families whose shares right (0.80-0.83) differ no more
    than their own models do: the between-family sd is not told apart from zero, and the page
    says so. All 26 scorers add the small GPT-2s and TinyLlamas, and families then differ."""
    human = published["report"]["science"]["intervals"]["human"]
    paper = human["pools"]["paper"]["families"]
    assert paper["fitted"] and paper["n_families"] == 4
    names = {f["name"] for f in paper["families"]}
    assert names == {"Galactica", "Falcon", "Llama-2", "Mistral"}
    assert not paper["identified"] and paper["sd_between"]["low"] == 0.0
    assert paper["sd_between"]["high"] < 0.1
    assert paper["in_words"].startswith("these answers cannot tell whether the 4 model families")
    llama = next(f for f in paper["families"] if f["name"] == "Llama-2")
    assert llama["n_scorers"] == 6 and llama["kinds"] == ["base (pretrained)", "chat"]
    assert llama["raw_accuracy"] == pytest.approx(0.799, abs=0.001)
    experts = human["mixed"]["accuracy"]["estimate"]
    for family in paper["families"]:
        acc, lead = family["accuracy"], family["gap"]
        assert acc["low"] < acc["estimate"] < acc["high"]
        assert acc["low"] < family["raw_accuracy"] < acc["high"]
        assert lead["estimate"] == pytest.approx(acc["estimate"] - experts)
        assert 0 < lead["low"] < lead["estimate"] < lead["high"]  # every family leads

    every = human["pools"]["all"]["families"]
    assert every["fitted"] and every["n_families"] == 7 and every["identified"]
    assert every["in_words"].startswith("the 7 model families differ")
    assert every["families"][-1]["name"] == "GPT-2"  # lowest: the small and scratch GPT-2s
    assert every["families"][-1]["gap"]["low"] < 0.05  # not clearly ahead of the experts


def test_families_on_the_gpt4_items_leave_out_the_models_not_scored_on_them(
    published: Any,
) -> None:
    """The published scores hold 16 models on the GPT-4-written items: the other 10 are left
    out of the families by name, not the whole comparison."""
    families = published["report"]["science"]["intervals"]["gpt4"]["pools"]["all"]["families"]
    assert families["fitted"]
    n_fitted = sum(f["n_scorers"] for f in families["families"])
    assert n_fitted == 16 and len(families["left_out"]) == 10
    assert "GPT-2" in families["left_out"] or any("GPT-2" in n for n in families["left_out"])
