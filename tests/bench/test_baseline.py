"""The lm-eval-style batched baseline the benchmark measures the engine against computes the
paper's quantity: equal to the one-at-a-time reference, whatever the batch and its padding."""

from __future__ import annotations

import pytest

from bench.baseline import score_batched_baseline, score_reference
from scoring.engine import LoadedScorer, ScorerConfig, load_scorer
from tests.scoring.engine.test_parity import SHORT_PAIRS
from tests.scoring.tinymodel import build_tiny_model


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> LoadedScorer:
    model = build_tiny_model(tmp_path_factory.mktemp("tiny-model"))
    return load_scorer(ScorerConfig(model_source=str(model), device="cpu"))


@pytest.mark.parametrize("batch_size", [1, 3, 64])
def test_batched_baseline_matches_reference_in_input_order(
    tiny: LoadedScorer, batch_size: int
) -> None:
    texts = [text for pair in SHORT_PAIRS for text in pair]
    reference = score_reference(tiny, texts)
    baseline = score_batched_baseline(tiny, texts, batch_size=batch_size)
    assert [score.n_tokens for score in baseline] == [score.n_tokens for score in reference]
    for got, want in zip(baseline, reference, strict=True):
        assert got.nll_sum == pytest.approx(want.nll_sum, rel=1e-6)
        assert got.ppl == pytest.approx(want.ppl, rel=1e-6)
