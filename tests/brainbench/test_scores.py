"""import_published_scores: the paper's 26 models as read-only scorers, validated whole."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from braintrial.brainbench.services import published_items_import
from scoring.models import ItemScore, Scorer
from scoring.selectors import scores_valid

pytestmark = pytest.mark.django_db

HEADER = "model,display_name,testcase_file,row,ppl_original,ppl_altered\n"


@pytest.fixture
def brainbench_items(brainbench_dir: Path) -> Path:
    published_items_import(directory=brainbench_dir)
    return brainbench_dir


def human_accuracy(name: str) -> float:
    scores = ItemScore.objects.filter(scorer__name=name, item__source="human")
    assert scores.count() == 200
    return scores.filter(correct=True).count() / 200


def test_import_reproduces_published_accuracies_and_is_idempotent(brainbench_items, capsys):
    call_command("import_published_scores")
    published = Scorer.objects.filter(is_published=True)
    assert published.count() == 26
    assert ItemScore.objects.filter(scorer__is_published=True).count() == 6800
    assert human_accuracy("meta-llama-llama-2-7b-hf") == pytest.approx(0.815)
    assert human_accuracy("mistralai-mistral-7b-v0-1") == pytest.approx(0.830)
    assert human_accuracy("gpt2") == pytest.approx(0.575)
    llama = published.get(name="meta-llama-llama-2-7b-hf")
    assert llama.display_name == "Llama-2-7B"
    assert "<choice abstract>" in llama.prompt_template  # the prompt the paper used
    score = ItemScore.objects.filter(scorer=llama).first()
    assert score.confidence == pytest.approx(abs(score.ppl_original - score.ppl_altered))
    assert score.zlib_length_original > 100
    valid = scores_valid().filter(scorer__is_published=True)
    assert valid.values("scorer_id").distinct().count() == 26
    assert valid.filter(scorer=llama).count() == 300

    capsys.readouterr()
    call_command("import_published_scores")
    assert "Nothing changed" in capsys.readouterr().out
    assert ItemScore.objects.filter(scorer__is_published=True).count() == 6800


def test_tie_counts_as_wrong(brainbench_items, tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text(HEADER + "m/tie,Tie,BrainBench_Human_v0.1.csv,1,5.0,5.0\n")
    call_command("import_published_scores", str(path))
    score = ItemScore.objects.get(scorer__name="m-tie")
    assert score.correct is False and score.confidence == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("model,display_name,row\nm,M,1\n", "missing column(s) testcase_file"),
        ("m,M,BrainBench_Human_v0.1.csv,2,abc,2.0\n", "row 2: ppl_original 'abc' is not a number"),
        ("m,M,BrainBench_Human_v0.1.csv,2,1.0,-2\n", "row 2: ppl_altered '-2' is not a positive"),
        ("m,M,BrainBench_Human_v0.1.csv,2,1.0,nan\n", "row 2: ppl_altered 'nan'"),
        ("m,M,BrainBench_Human_v0.1.csv,999,1.0,2.0\n", "row 2: no imported item"),
        ("m,M,Other.csv,1,1.0,2.0\n", "row 2: no imported item Other.csv row 1"),
        ("m,M,BrainBench_Human_v0.1.csv,x,1.0,2.0\n", "row 2: row 'x' is not a number"),
        (
            "m,M,BrainBench_Human_v0.1.csv,1,1.0,2.0\n",
            "row 2: m has BrainBench_Human_v0.1.csv row 1 twice",
        ),
    ],
)
def test_bad_file_is_refused_naming_the_row_and_stores_nothing(
    brainbench_items, tmp_path, body, message
):
    good = "m,M,BrainBench_Human_v0.1.csv,1,1.0,2.0\n"
    path = tmp_path / "scores.csv"
    path.write_text(body if body.startswith("model") else HEADER + good + body)
    with pytest.raises(CommandError) as error:
        call_command("import_published_scores", str(path))
    assert message in str(error.value)
    assert "Nothing was imported" in str(error.value)
    assert not Scorer.objects.filter(is_published=True).exists()
    assert not ItemScore.objects.exists()


def test_import_before_items_asks_for_import_brainbench(brainbench_dir):
    with pytest.raises(CommandError, match="import_brainbench"):
        call_command("import_published_scores")


def test_missing_file_is_a_clear_error(brainbench_items, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_published_scores", str(tmp_path / "absent.csv"))


def test_runnable_scorer_of_same_name_is_not_overwritten(brainbench_items, tmp_path):
    Scorer.objects.create(name="gpt2", model_source="/models/gpt2")
    path = tmp_path / "published_model_scores.csv"
    shutil.copy(brainbench_items / "published_model_scores.csv", path)
    with pytest.raises(CommandError, match="runnable scorer named gpt2"):
        call_command("import_published_scores", str(path))
    assert Scorer.objects.get(name="gpt2").model_source == "/models/gpt2"
    assert not ItemScore.objects.exists()
