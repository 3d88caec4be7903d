"""Weights a lab already has: a local checkpoint's checksum is recorded with its scores, and a
changed checkpoint is a new configuration. Placement settings are validated configuration."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from scoring.engine.weights import folder_sha256
from scoring.models import ItemScore, Scorer, ScoreRun
from scoring.selectors import scores_valid
from scoring.services.runs import score_run_create
from scoring.services.scorers import scorer_create
from tests.scoring.engine.test_sharding import PER_LAYER_MAP
from tests.scoring.helpers import items_make, run_in_process, tiny_scorer

WEIGHTS = "model.safetensors"


@pytest.fixture
def checkpoint(tiny_model_dir: Path, tmp_path: Path) -> Path:
    """A copy of the tiny model that a test may change."""
    return Path(shutil.copytree(tiny_model_dir, tmp_path / "checkpoint"))


def flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))


def test_checksum_covers_weights_and_tokenizer_but_not_documentation(checkpoint: Path) -> None:
    first = folder_sha256(checkpoint)
    assert len(first) == 64
    (checkpoint / "README.md").write_text("model card", encoding="utf-8")
    (checkpoint / ".cache").mkdir()
    (checkpoint / ".cache" / "lock").write_text("x", encoding="utf-8")
    assert folder_sha256(checkpoint) == first
    flip_last_byte(checkpoint / "tokenizer.json")
    second = folder_sha256(checkpoint)
    assert second != first
    flip_last_byte(checkpoint / WEIGHTS)
    assert folder_sha256(checkpoint) not in (first, second)


def test_checksum_of_a_file_is_cached_by_path_size_and_mtime(checkpoint: Path) -> None:
    weights = checkpoint / WEIGHTS
    first = folder_sha256(checkpoint)
    stat = weights.stat()
    # Same size, same mtime, other bytes: the cached digest is used, the file is not re-read.
    flip_last_byte(weights)
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert folder_sha256(checkpoint) == first
    # A new mtime (any real rewrite has one) makes it read the file again.
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert folder_sha256(checkpoint) != first


@pytest.mark.django_db
def test_scores_record_the_checkpoint_checksum_and_stay_valid(checkpoint: Path) -> None:
    items_make(3)
    scorer = tiny_scorer(checkpoint)
    created_fingerprint = scorer.config_fingerprint
    run = run_in_process(score_run_create(scorer=scorer, enqueue=False))

    expected = folder_sha256(checkpoint)
    scorer.refresh_from_db()
    assert run.status == "succeeded"
    assert scorer.weights_sha256 == run.weights_sha256 == expected
    # The checksum is part of the configuration: the run took the pinned fingerprint with it.
    assert scorer.config_fingerprint != created_fingerprint
    assert run.config_fingerprint == scorer.config_fingerprint
    assert set(ItemScore.objects.values_list("weights_sha256", flat=True)) == {expected}
    assert scores_valid().filter(scorer=scorer).count() == 3


@pytest.mark.django_db
def test_changed_checkpoint_fails_the_run_and_is_a_new_configuration(checkpoint: Path) -> None:
    items_make(4)
    scorer = tiny_scorer(checkpoint)
    first = run_in_process(score_run_create(scorer=scorer, limit=2, enqueue=False))
    assert first.status == "succeeded"
    old = folder_sha256(checkpoint)

    flip_last_byte(checkpoint / WEIGHTS)
    second = run_in_process(score_run_create(scorer=scorer, enqueue=False))

    assert second.status == "failed"
    assert "changed checkpoint is a new configuration" in second.error
    assert ItemScore.objects.filter(scorer=scorer).count() == 2  # nothing scored with new files
    assert scores_valid().filter(scorer=scorer).count() == 2  # the old result still stands
    # A new scorer on the same folder pins the new files and scores every item.
    renewed = tiny_scorer(checkpoint, name="tiny-renewed")
    third = run_in_process(score_run_create(scorer=renewed, enqueue=False))
    renewed.refresh_from_db()
    assert third.status == "succeeded" and renewed.weights_sha256 not in ("", old)
    assert scores_valid().filter(scorer=renewed).count() == 4


@pytest.mark.django_db
def test_hub_id_scorer_keeps_its_fingerprint_and_records_no_checksum(fake_engine) -> None:
    items_make(2)
    scorer = scorer_create(name="hub", model_source="org/model", revision="abc123")
    # The fields added for placement and checkpoints count only when set, so every scorer
    # configured before them keeps the fingerprint its scores were recorded with.
    before = {
        field: getattr(scorer, field)
        for field in (
            "model_source",
            "gguf_file",
            "revision",
            "dtype",
            "device",
            "prompt_template",
            "adapter",
            "bos",
        )
    }
    blob = json.dumps(before, sort_keys=True).encode("utf-8")
    assert scorer.config_fingerprint == hashlib.sha256(blob).hexdigest()[:16]
    run = run_in_process(score_run_create(scorer=scorer, enqueue=False))
    assert run.status == "succeeded" and run.weights_sha256 == ""
    assert set(ItemScore.objects.values_list("weights_sha256", flat=True)) == {""}


@pytest.mark.django_db
def test_sharded_scorer_stores_the_same_scores_as_unsharded(tiny_model_dir: Path) -> None:
    items_make(3)
    whole = tiny_scorer(tiny_model_dir, name="whole")
    sharded = tiny_scorer(tiny_model_dir, name="sharded", device_map=json.dumps(PER_LAYER_MAP))
    assert sharded.config_fingerprint != whole.config_fingerprint
    for scorer in (whole, sharded):
        assert run_in_process(score_run_create(scorer=scorer, enqueue=False)).status == "succeeded"
    run = ScoreRun.objects.get(scorer=sharded)
    assert "sharded: cpu x4, disk x2" in run.device_name

    def stored(scorer: Scorer) -> list[tuple[int, float, float]]:
        rows = ItemScore.objects.filter(scorer=scorer).order_by("item_id")
        return list(rows.values_list("item_id", "nll_sum_original", "nll_sum_altered"))

    assert stored(sharded) == stored(whole)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"device_map": "everywhere"}, "device_map must be one of"),
        ({"device_map": "auto", "max_memory": "0:lots"}, "not a size"),
        ({"max_memory": "0:40GiB"}, "only with a device_map strategy"),
        ({"quantization": "2bit"}, "quantization"),
        ({"device": "cpu", "quantization": "8bit"}, "CUDA GPU"),
    ],
)
def test_bad_placement_is_refused_and_nothing_stored(
    tiny_model_dir: Path, fields: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        scorer_create(name="placed", model_source=str(tiny_model_dir), **fields)
    assert not Scorer.objects.filter(name="placed").exists()


@pytest.mark.django_db
def test_placement_is_configuration_in_the_fingerprint(tiny_model_dir: Path) -> None:
    plain = scorer_create(name="plain", model_source=str(tiny_model_dir))
    placed = scorer_create(
        name="placed",
        model_source=str(tiny_model_dir),
        device_map="balanced",
        max_memory="0:70GiB,1:70GiB",
    )
    assert placed.max_memory == "0:70GiB,1:70GiB"
    assert placed.config_fingerprint != plain.config_fingerprint
