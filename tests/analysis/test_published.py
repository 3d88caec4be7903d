"""The paper's figures, reproduced from the published files through the real import commands.

The imports run once for the module (they take a few seconds); every test reads the same data.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command

from braintrial.brainbench.names import STUDY_SLUG
from braintrial.brainbench.score_rows import scorer_name_from_model
from braintrial.participants.models import Participant, Trial

# Every test reads the published study as imported, most of them its report; one xdist worker
# imports the study and computes its report for the whole module.
pytestmark = [pytest.mark.published_report, pytest.mark.xdist_group("test_published")]


def human(report: dict) -> dict:
    return report["sources"]["human"]


@pytest.mark.django_db
def test_import_creates_171_participants_and_1514_trials(published: Any) -> None:
    study = published["study"]
    assert Participant.objects.filter(study=study).count() == 171
    assert Trial.objects.filter(participant__study=study).count() == 1514
    assert not study.is_open
    assert "171 participants and 1514 trials imported" in published["output"]


@pytest.mark.django_db
def test_human_accuracy_on_human_written_items_is_641_of_1011(published: Any) -> None:
    acc = human(published["report"])["humans"]["accuracy"]
    assert (acc["k"], acc["n"]) == (641, 1011)
    assert round(acc["accuracy"], 3) == 0.634


@pytest.mark.django_db
def test_human_accuracy_on_gpt4_written_items_is_351_of_503(published: Any) -> None:
    acc = published["report"]["sources"]["gpt4"]["humans"]["accuracy"]
    assert (acc["k"], acc["n"]) == (351, 503)
    assert round(acc["accuracy"], 3) == 0.698


@pytest.mark.django_db
def test_top_20_percent_expertise_is_86_of_130(published: Any) -> None:
    acc = human(published["report"])["humans"]["top_expertise"]
    assert (acc["k"], acc["n"]) == (86, 130)
    assert round(acc["accuracy"], 3) == 0.662


@pytest.mark.django_db
def test_doctoral_students_are_lowest_at_0_583(published: Any) -> None:
    by_position = human(published["report"])["humans"]["by_position"]
    doctoral = by_position["Doctoral student"]
    assert (doctoral["k"], doctoral["n"]) == (175, 300)
    assert round(doctoral["accuracy"], 3) == 0.583
    assert min(by_position.values(), key=lambda a: a["accuracy"]) is doctoral


def model_accuracy(report: dict, model: str) -> dict:
    name = scorer_name_from_model(model)
    return human(report)["models"][name]["accuracy"]


@pytest.mark.django_db
def test_llama2_7b_is_0_815_on_human_written_items(published: Any) -> None:
    acc = model_accuracy(published["report"], "meta-llama/Llama-2-7b-hf")
    assert (acc["k"], acc["n"]) == (163, 200)


@pytest.mark.django_db
def test_mistral_7b_is_0_830_on_human_written_items(published: Any) -> None:
    acc = model_accuracy(published["report"], "mistralai/Mistral-7B-v0.1")
    assert (acc["k"], acc["n"]) == (166, 200)


@pytest.mark.django_db
def test_other_published_model_figures_of_the_data_readme(published: Any) -> None:
    report = published["report"]
    figures = {
        "tiiuae/falcon-180B": 0.855,
        "gpt2": 0.575,
        "lora_r256_a512_finetune_mistral_7b_v01": 0.860,
    }
    for model, expected in figures.items():
        assert round(model_accuracy(report, model)["accuracy"], 3) == expected, model


@pytest.mark.django_db
def test_all_26_published_models_count(published: Any) -> None:
    report = published["report"]
    assert len(report["scorers"]) == 26
    assert report["scorers_skipped"] == []
    assert len(human(report)["models"]) == 26


@pytest.mark.django_db
def test_item_difficulty_agrees_weakly_between_humans_and_models(published: Any) -> None:
    agreement = human(published["report"])["agreement"]
    assert agreement["n_items"] == 200
    # The paper reports about 0.15 human-model and 0.75 model-model.
    assert 0.05 < agreement["mean_human_model"] < 0.25
    assert 0.55 < agreement["mean_model_model"] < 0.85
    assert agreement["mean_model_model"] > 3 * agreement["mean_human_model"]


@pytest.mark.django_db
def test_humans_are_calibrated_more_confidence_more_accuracy(published: Any) -> None:
    calibration = human(published["report"])["calibration"]
    assert [b["n"] for b in calibration["humans"]["bins"]] == [51] * 11 + [50] * 9
    assert calibration["humans"]["fit"]["slope"] > 0
    mistral = calibration["models"][scorer_name_from_model("mistralai/Mistral-7B-v0.1")]
    assert [b["n"] for b in mistral["bins"]] == [10] * 20
    assert mistral["fit"]["slope"] > 0


@pytest.mark.django_db
def test_report_command_prints_the_same_json(published: Any) -> None:
    out = io.StringIO()
    call_command("report", "--study", STUDY_SLUG, "--json", stdout=out)
    printed = json.loads(out.getvalue())
    assert printed["sources"]["human"]["humans"] == human(published["report"])["humans"]
    assert printed["sources"]["gpt4"]["humans"]["accuracy"]["k"] == 351


@pytest.mark.django_db
def test_report_command_prints_a_readable_table(published: Any) -> None:
    out = io.StringIO()
    call_command("report", "--study", STUDY_SLUG, stdout=out)
    text = out.getvalue()
    assert "0.634 ± 0.015  (641/1011)" in text
    assert "Top-20% expertise" in text and "(86/130)" in text
    assert "Llama-2-7B" in text


@pytest.mark.django_db
def test_published_report_is_strict_json_with_gaps_where_models_lack_gpt4_items(
    published: Any,
) -> None:
    report = published["report"]
    json.dumps(report, allow_nan=False)
    gpt4 = report["sources"]["gpt4"]
    scored = [m["accuracy"]["n"] for m in gpt4["models"].values()]
    # Not every published model was scored on the GPT-4-written items.
    assert set(scored) == {0, 100}
    unscored = [name for name, m in gpt4["models"].items() if m["accuracy"]["n"] == 0]
    assert all(gpt4["agreement"]["human_model"][name] is None for name in unscored)
    assert all(name not in gpt4["team"] for name in unscored)  # no team without scores
