"""Loading: bad configurations fail with a readable ScorerConfigError; models are cached."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

from bench.baseline import score_reference
from scoring.engine import (
    ScorerConfig,
    ScorerConfigError,
    ScorerOutOfMemoryError,
    clear_scorer_cache,
    get_scorer,
    load_scorer,
)
from tests.scoring.engine.test_parity import SHORT_PAIRS, assert_parity


def test_missing_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ScorerConfigError, match="not found"):
        load_scorer(ScorerConfig(model_source=str(tmp_path / "nowhere")))


def test_directory_without_model_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ScorerConfigError, match=r"config\.json"):
        load_scorer(ScorerConfig(model_source=str(tmp_path)))


def test_missing_gguf_file_is_a_config_error(tiny_model_dir: Path) -> None:
    with pytest.raises(ScorerConfigError, match="GGUF file"):
        load_scorer(ScorerConfig(model_source=str(tiny_model_dir), gguf_file="absent.gguf"))


def test_unknown_model_id_offline_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ScorerConfigError, match="offline"):
        load_scorer(ScorerConfig(model_source="braintrial-tests/no-such-model"))


def test_template_without_slot_is_a_config_error(tiny_model_dir: Path) -> None:
    config = ScorerConfig(model_source=str(tiny_model_dir), prompt_template="Abstract: ")
    with pytest.raises(ScorerConfigError, match="<choice abstract>"):
        load_scorer(config)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("dtype", "int8", "dtype"), ("device", "tpu", "device"), ("bos", "maybe", "BOS")],
)
def test_unsupported_values_are_config_errors(
    tiny_model_dir: Path, field: str, value: str, message: str
) -> None:
    config = ScorerConfig(model_source=str(tiny_model_dir), **{field: value})
    with pytest.raises(ScorerConfigError, match=message):
        load_scorer(config)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_gpu_is_a_config_error(tiny_model_dir: Path) -> None:
    with pytest.raises(ScorerConfigError, match="no usable CUDA"):
        load_scorer(ScorerConfig(model_source=str(tiny_model_dir), device="cuda"))


def test_missing_adapter_is_a_config_error(tiny_model_dir: Path, tmp_path: Path) -> None:
    config = ScorerConfig(model_source=str(tiny_model_dir), adapter=str(tmp_path / "lora"))
    with pytest.raises(ScorerConfigError, match="adapter"):
        load_scorer(config)


def test_dtype_auto_is_fp32_on_cpu_and_explicit_dtypes_apply(tiny_model_dir: Path) -> None:
    assert load_scorer(ScorerConfig(model_source=str(tiny_model_dir), device="cpu")).dtype == (
        torch.float32
    )
    bf16 = load_scorer(ScorerConfig(model_source=str(tiny_model_dir), device="cpu", dtype="bf16"))
    assert bf16.dtype == torch.bfloat16
    # The log-softmax runs in fp32 whatever the model's dtype: scores stay finite and close.
    [score] = score_reference(bf16, [SHORT_PAIRS[0][0]])
    [exact] = score_reference(
        load_scorer(ScorerConfig(model_source=str(tiny_model_dir), device="cpu")),
        [SHORT_PAIRS[0][0]],
    )
    assert score.ppl == pytest.approx(exact.ppl, rel=0.05)


def test_get_scorer_loads_once_per_config(tiny_model_dir: Path) -> None:
    clear_scorer_cache()
    config = ScorerConfig(model_source=str(tiny_model_dir), device="cpu")
    first = get_scorer(config)
    assert get_scorer(ScorerConfig(model_source=str(tiny_model_dir), device="cpu")) is first
    assert get_scorer(ScorerConfig(model_source=str(tiny_model_dir), bos="none")) is not first
    clear_scorer_cache()


def test_lora_adapter_changes_scores_and_keeps_parity(tiny_model_dir: Path, tmp_path: Path) -> None:
    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    torch.manual_seed(7)
    lora = get_peft_model(
        base,
        LoraConfig(r=4, target_modules=["c_attn"], init_lora_weights=False, fan_in_fan_out=True),
    )
    lora.save_pretrained(tmp_path / "lora")
    plain = load_scorer(ScorerConfig(model_source=str(tiny_model_dir), device="cpu"))
    adapted = load_scorer(
        ScorerConfig(model_source=str(tiny_model_dir), device="cpu", adapter=str(tmp_path / "lora"))
    )
    [with_adapter] = score_reference(adapted, [SHORT_PAIRS[0][0]])
    [without] = score_reference(plain, [SHORT_PAIRS[0][0]])
    assert with_adapter.nll_sum != pytest.approx(without.nll_sum, rel=1e-3)
    assert_parity(adapted, SHORT_PAIRS, batch_size=3)


class _MemoryLimitedModel(torch.nn.Module):
    """Wraps a model and raises the CUDA out-of-memory error above a number of rows."""

    def __init__(self, inner: torch.nn.Module, max_rows: int) -> None:
        super().__init__()
        self.inner = inner
        self.config = inner.config
        self.max_rows = max_rows
        self.largest_seen = 0

    def forward(self, *, input_ids: torch.Tensor, **kwargs: object) -> object:
        if input_ids.shape[0] > self.max_rows:
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        self.largest_seen = max(self.largest_seen, input_ids.shape[0])
        return self.inner(input_ids=input_ids, **kwargs)


def test_out_of_memory_halves_the_batch_and_keeps_scores(tiny_model_dir: Path) -> None:
    scorer = load_scorer(ScorerConfig(model_source=str(tiny_model_dir), device="cpu"))
    scorer.batch_size = 8
    limited = _MemoryLimitedModel(scorer.model, max_rows=4)
    scorer.model = limited
    assert_parity(scorer, SHORT_PAIRS * 2)
    # 8 items did not fit (16 continuation rows), nor 4, nor 2 (4 rows fit the prefix only).
    assert scorer.batch_size == 2
    assert limited.largest_seen <= 4


def test_out_of_memory_at_batch_one_is_a_clear_error(tiny_model_dir: Path) -> None:
    scorer = load_scorer(ScorerConfig(model_source=str(tiny_model_dir), device="cpu"))
    scorer.model = _MemoryLimitedModel(scorer.model, max_rows=1)
    with pytest.raises(ScorerOutOfMemoryError, match="batch size 1"):
        scorer.score_pairs(SHORT_PAIRS[:2], batch_size=4)
