"""A model split into several parts scores exactly as the same model on one device.

No GPU here: the parts are the CPU and disk offload, which go through the same accelerate
dispatch (a hook per module that brings its weights and inputs to where it runs, a key/value
cache left on each layer's device) as a model split over the GPUs of one worker.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from bench.baseline import score_batched_baseline, score_reference
from scoring.engine import PairScore, ScorerConfig, ScorerConfigError, load_scorer
from scoring.engine.placement import parse_max_memory
from tests.scoring.engine.test_parity import SHORT_PAIRS

# Every layer of the tiny GPT-2 a part of its own; the second block and the final norm on disk.
PER_LAYER_MAP = {
    "transformer.wte": "cpu",
    "transformer.wpe": "cpu",
    "transformer.h.0": "cpu",
    "transformer.h.1": "disk",
    "transformer.ln_f": "disk",
    "lm_head": "cpu",
}
PAIRS = [
    *SHORT_PAIRS,
    (
        "Neurons in the hippocampus fire in sequences during sleep and these replay events "
        "predict memory. Results: the effect was larger in older adults.",
        "Neurons in the hippocampus fire in sequences during sleep and these replay events "
        "predict memory. Results: the effect was smaller in older adults.",
    ),
]


def scores_of(config: ScorerConfig) -> tuple[list[PairScore], list[float], dict[str, object]]:
    scorer = load_scorer(config)
    texts = [text for pair in PAIRS for text in pair]
    reference = [score.ppl for score in score_reference(scorer, texts)]
    placed = dict(getattr(scorer.model, "hf_device_map", {}) or {})
    return scorer.score_pairs(PAIRS, batch_size=3), reference, placed


@pytest.mark.parametrize(
    ("device_map", "max_memory"),
    [(json.dumps(PER_LAYER_MAP), ""), ("auto", "cpu:1200KB"), ("sequential", "cpu:1200KB")],
    ids=["per-layer-map", "auto-with-memory-limit", "sequential-with-memory-limit"],
)
def test_sharded_model_scores_exactly_as_unsharded(
    tiny_model_dir: Path, device_map: str, max_memory: str
) -> None:
    whole = ScorerConfig(model_source=str(tiny_model_dir), device="cpu")
    want_pairs, want_reference, unplaced = scores_of(whole)
    assert not unplaced

    sharded = ScorerConfig(
        model_source=str(tiny_model_dir), device="cpu", device_map=device_map, max_memory=max_memory
    )
    got_pairs, got_reference, placed = scores_of(sharded)

    assert {"cpu", "disk"} <= set(placed.values()), placed  # really split, part of it on disk
    assert got_pairs == want_pairs
    assert got_reference == want_reference


def test_sharded_model_reports_its_parts_and_keeps_offloaded_weights_out_of_memory(
    tiny_model_dir: Path,
) -> None:
    config = ScorerConfig(
        model_source=str(tiny_model_dir), device="cpu", device_map=json.dumps(PER_LAYER_MAP)
    )
    scorer = load_scorer(config)
    assert scorer.sharded and "sharded: cpu x4, disk x2" in scorer.device_name
    offloaded = scorer.model.transformer.h[1].mlp.c_fc.weight
    assert offloaded.device == torch.device("meta")  # read from disk for each forward
    assert scorer.model.transformer.h[0].mlp.c_fc.weight.device == torch.device("cpu")


def test_batched_baseline_on_sharded_model_matches_reference(tiny_model_dir: Path) -> None:
    config = ScorerConfig(
        model_source=str(tiny_model_dir), device="cpu", device_map=json.dumps(PER_LAYER_MAP)
    )
    scorer = load_scorer(config)
    texts = [text for pair in PAIRS for text in pair]
    reference = score_reference(scorer, texts)
    for batch_size in (1, 4):
        baseline = score_batched_baseline(scorer, texts, batch_size=batch_size)
        for got, want in zip(baseline, reference, strict=True):
            assert got.n_tokens == want.n_tokens
            assert got.ppl == pytest.approx(want.ppl, rel=1e-6)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"device_map": "everywhere"}, "device_map must be one of"),
        ({"device_map": '{"transformer.h.0": "tpu"}'}, "a target is a GPU index"),
        ({"device_map": "[1, 2]"}, "non-empty object"),
        ({"device_map": '{"lm_head": true}'}, "a target is a GPU index"),
        ({"max_memory": "0:40GiB"}, "only with a device_map strategy"),
        ({"device_map": '{"lm_head": 0}', "max_memory": "0:40GiB"}, "only with a device_map"),
        ({"device_map": "auto", "max_memory": "gpu0:40GiB"}, "not a GPU index"),
        ({"device_map": "auto", "max_memory": "0:forty"}, "not a size"),
        ({"device_map": "auto", "max_memory": "0:1GiB,0:2GiB"}, "twice"),
        ({"device": "cpu", "device_map": '{"lm_head": 1}'}, "names a GPU"),
        ({"device": "cpu", "device_map": "auto", "max_memory": "0:1GiB"}, "names a GPU"),
        ({"device": "cpu", "device_map": "auto"}, "needs max_memory"),
        ({"quantization": "3bit"}, "Unsupported quantization"),
        ({"quantization": "4bit", "gguf_file": "m.gguf"}, "quantized already"),
        ({"device": "cpu", "quantization": "8bit"}, "need a CUDA GPU"),
    ],
)
def test_bad_placement_is_a_config_error_before_loading(
    tiny_model_dir: Path, fields: dict[str, str], message: str
) -> None:
    config = ScorerConfig(model_source=str(tiny_model_dir), **fields)
    with pytest.raises(ScorerConfigError, match=message):
        config.validate()


def test_max_memory_sizes_parse_to_bytes() -> None:
    assert parse_max_memory("0:70GiB, 1:1.5GB,cpu:512mib") == {
        0: 70 * 2**30,
        1: 1_500_000_000,
        "cpu": 512 * 2**20,
    }


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message of a GPU-less machine")
@pytest.mark.parametrize("quantization", ["8bit", "4bit"])
def test_quantization_without_bitsandbytes_or_gpu_fails_with_clear_message(
    tiny_model_dir: Path, quantization: str
) -> None:
    config = ScorerConfig(
        model_source=str(tiny_model_dir), device="auto", quantization=quantization
    )
    with pytest.raises(ScorerConfigError, match=r"needs (bitsandbytes|a CUDA GPU)"):
        load_scorer(config)
