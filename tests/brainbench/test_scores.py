"""import_published_scores: the paper's 26 models as read-only scorers, validated whole."""

from __future__ import annotations

import shutil
import zlib
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from braintrial.brainbench.services.items import published_items_import
from scoring.models import ItemScore, Scorer
from scoring.selectors import scores_valid
from scoring.services.scorers import prompt_build

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


def test_import_describes_each_model_from_published_models(brainbench_items):
    call_command("import_published_scores")
    published = Scorer.objects.filter(is_published=True)
    assert published.filter(paper_llm=True).count() == 15
    llama = published.get(name="meta-llama-llama-2-7b-chat-hf")
    assert (llama.family, llama.params_b, llama.kind) == ("Llama-2", 7.0, "chat")
    assert (llama.base_model, llama.released) == ("meta-llama/Llama-2-7b-hf", "2023-07")
    braingpt = published.get(name="lora-r256-a512-finetune-mistral-7b-v01")
    assert (braingpt.kind, braingpt.base_model, braingpt.paper_llm) == (
        "lora",
        "mistralai/Mistral-7B-v0.1",
        False,
    )
    assert published.get(name="gpt2-scratch-neuro-tokenizer").released == ""


def test_every_published_model_has_a_name_people_read(brainbench_items):
    """The published scores repeat internal ids as display names for the paper's own models;
    the scorers read as what they are, and no two alike."""
    call_command("import_published_scores")
    names = dict(
        Scorer.objects.filter(is_published=True).values_list("model_source", "display_name")
    )
    assert names["finetune_llama2_chat_7b"] == "Llama-2-7B (chat), LoRA fine-tune"
    assert names["lora_r256_a512_finetune_mistral_7b_v01"] == "Mistral-7B, LoRA fine-tune"
    assert names["full_finetune_mistral_7b_v01"] == "Mistral-7B, full fine-tune"
    assert names["finetune_gpt2"] == "GPT-2 (124M), full fine-tune"
    assert names["gpt2-large_scratch_neuro_tokenizer"] == "GPT-2 (774M, trained from scratch)"
    assert names["meta-llama/Llama-2-7b-hf"] == "Llama-2-7B"  # published names stay
    assert not [model for model, display in names.items() if display == model]
    assert len(set(names.values())) == len(names) == 26


def test_reimport_fills_templates_and_corrects_zlib_lengths(brainbench_items, capsys):
    """An import from before every template shipped left 15 scorers with an empty template."""
    call_command("import_published_scores")
    galactica = Scorer.objects.get(name="facebook-galactica-30b")
    Scorer.objects.filter(is_published=True).update(prompt_template="", family="")
    ItemScore.objects.filter(scorer__is_published=True).update(zlib_length_original=1)
    capsys.readouterr()
    call_command("import_published_scores")
    assert "26 updated" in capsys.readouterr().out
    galactica.refresh_from_db()
    template = (brainbench_items / "prompt_templates" / "facebook--galactica-30b.txt").read_text()
    assert galactica.prompt_template == template and galactica.family == "Galactica"
    for score in ItemScore.objects.filter(scorer=galactica).select_related("item")[:5]:
        prompt = prompt_build(template=template, abstract=score.item.original)
        assert score.zlib_length_original == len(zlib.compress(prompt.encode("utf-8")))
        assert score.config_fingerprint == galactica.config_fingerprint
    assert not ItemScore.objects.filter(zlib_length_original=1).exists()
    call_command("import_published_scores")
    assert "Nothing changed" in capsys.readouterr().out


def test_bad_published_models_row_is_refused_and_stores_nothing(brainbench_items, tmp_path):
    shutil.copy(brainbench_items / "published_model_scores.csv", tmp_path)
    shutil.copytree(brainbench_items / "prompt_templates", tmp_path / "prompt_templates")
    text = (brainbench_items / "published_models.csv").read_text()
    (tmp_path / "published_models.csv").write_text(text.replace(",7,chat,", ",7,chatty,", 1))
    with pytest.raises(CommandError, match="unknown kind 'chatty'"):
        call_command("import_published_scores", str(tmp_path / "published_model_scores.csv"))
    assert not Scorer.objects.filter(is_published=True).exists()
