"""The score and scorer_create commands, in process on Postgres with the fake engine."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from scoring.models import ItemScore, Scorer, ScoreRun
from scoring.services.scorers import scorer_create
from tests.scoring.helpers import items_make

pytestmark = pytest.mark.django_db


def test_score_runs_in_foreground_with_progress_on_stderr(fake_engine, settings, capsys):
    settings.SCORING_CHUNK_SIZE = 2
    items_make(3)
    scorer_create(name="tiny", model_source="fake/model")
    call_command("score", "--scorer", "tiny", "--limit", "3")
    out, err = capsys.readouterr()
    assert "succeeded: 3/3 items" in out
    assert "3/3 items" in err and "100%|" in err
    # Time spent and an estimate of the time left, on the bar.
    assert " elapsed, " in err and " left, " in err and "item/s]" in err
    run = ScoreRun.objects.get()
    assert run.status == "succeeded"
    assert ItemScore.objects.count() == 3


def test_score_background_queues_a_run_and_prints_its_id(fake_engine, capsys):
    items_make(2)
    scorer_create(name="tiny", model_source="fake/model")
    call_command("score", "--scorer", "tiny", "--background")
    run = ScoreRun.objects.get()
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(run.pk)
    assert run.status == "queued" and run.n_total == 2
    assert not ItemScore.objects.exists()  # the worker does the work


def test_score_command_scores_the_whole_bank_as_the_server_operator(fake_engine, capsys):
    """No --study: every test item. The command passes the staff-only rule explicitly as the
    server operator (who holds the database anyway), not by going around the start service."""
    items_make(2)
    items_make(1, bank="another-bank")
    scorer_create(name="tiny", model_source="fake/model")
    call_command("score", "--scorer", "tiny")
    run = ScoreRun.objects.get()
    assert (run.study, run.n_total, run.status) == (None, 3, "succeeded")


def test_score_unknown_scorer_lists_runnable_ones() -> None:
    with pytest.raises(CommandError, match="smollm2-135m-instruct"):
        call_command("score", "--scorer", "nope")


def test_score_unknown_study_is_an_error(fake_engine) -> None:
    scorer_create(name="tiny", model_source="fake/model")
    with pytest.raises(CommandError, match="No study"):
        call_command("score", "--scorer", "tiny", "--study", "missing")


def test_score_with_broken_scorer_reports_the_error(tmp_path) -> None:
    items_make(1)
    Scorer.objects.create(name="broken", model_source=str(tmp_path / "absent"))
    with pytest.raises(CommandError, match="failed: Bad scorer configuration"):
        call_command("score", "--scorer", "broken")
    assert ScoreRun.objects.get().status == "failed"


def test_scorer_create_command_validates(tmp_path, capsys) -> None:
    template = tmp_path / "prompt.txt"
    template.write_text("Abstract:\n<choice abstract>\n")
    call_command(
        "scorer_create",
        "llama",
        "--source",
        "meta-llama/Llama-2-7b-hf",
        "--dtype",
        "bf16",
        "--template-file",
        str(template),
    )
    scorer = Scorer.objects.get(name="llama")
    assert scorer.prompt_template == "Abstract:\n<choice abstract>\n"
    assert scorer.dtype == "bf16" and not scorer.is_published
    with pytest.raises(CommandError, match="<choice abstract>"):
        call_command("scorer_create", "bad", "--source", "x", "--template", "no slot")
    with pytest.raises(CommandError, match="already exists"):
        call_command("scorer_create", "llama", "--source", "x")
    assert not Scorer.objects.filter(name="bad").exists()
