"""Loading a scorer's tokenizer and model, once per process.

Every failure that a researcher can fix (missing files, bad template, unknown dtype, cuda
without a GPU) becomes a ScorerConfigError with a readable message.
"""

from __future__ import annotations

import os
import shutil
import threading
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import Any

import torch

from scoring.engine.config import ScorerConfig, ScorerConfigError
from scoring.engine.placement import main_device, placement_describe, placement_kwargs
from scoring.engine.scorer import LoadedScorer

TORCH_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}
# A GPU worker holds one big model; a second config may be loaded beside it, not more.
CACHE_SIZE = 2

_cache: OrderedDict[ScorerConfig, LoadedScorer] = OrderedDict()
_cache_lock = threading.Lock()


def resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise ScorerConfigError(
            "The scorer asks for device 'cuda' but this machine has no usable CUDA GPU; "
            "use 'auto' or 'cpu'."
        )
    return torch.device(device)


def resolve_dtype(dtype: str, device: torch.device) -> torch.dtype:
    """auto: bf16 on a GPU that has it (fp16 otherwise), fp32 on CPU."""
    if dtype != "auto":
        return TORCH_DTYPES[dtype]
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def _dtype_kwarg() -> str:
    # transformers renamed from_pretrained's torch_dtype to dtype (4.56); a GPU machine's own
    # image may carry either.
    from transformers import __version__

    major, minor = (int(part) for part in __version__.split(".")[:2])
    return "dtype" if (major, minor) >= (4, 56) else "torch_dtype"


def _offline() -> bool:
    # Read at call time: huggingface_hub reads the variable only once, at import.
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def _source_kwargs(config: ScorerConfig) -> tuple[str, dict[str, Any]]:
    """Where from_pretrained should look, checked before anything heavy is imported."""
    source = config.model_source.strip()
    # Never the model author's own code, whoever configured the scorer (docs/living-benchmark.md).
    kwargs: dict[str, Any] = {"trust_remote_code": False}
    path = Path(source).expanduser()
    if path.is_dir():
        source = str(path)
        if config.gguf_file and not (path / config.gguf_file).is_file():
            raise ScorerConfigError(f"GGUF file {config.gguf_file!r} not found in {path}.")
        if not config.gguf_file and not (path / "config.json").is_file():
            raise ScorerConfigError(
                f"{path} holds no config.json: not a model directory (set gguf_file for GGUF)."
            )
    elif source.startswith(("/", ".", "~")) or source.count("/") > 1:
        raise ScorerConfigError(f"Model directory not found: {source}")
    else:
        kwargs["local_files_only"] = _offline()
    if config.gguf_file:
        kwargs["gguf_file"] = config.gguf_file
    if config.revision:
        kwargs["revision"] = config.revision
    return source, kwargs


def load_scorer(config: ScorerConfig) -> LoadedScorer:
    """Load tokenizer and model as configured (no caching: see get_scorer)."""
    config.validate()
    device = resolve_device(config.device)
    dtype = resolve_dtype(config.dtype, device)
    source, kwargs = _source_kwargs(config)
    adapter = Path(config.adapter).expanduser() if config.adapter else None
    if adapter is not None and not (adapter / "adapter_config.json").is_file():
        raise ScorerConfigError(f"LoRA adapter not found (no adapter_config.json): {adapter}")

    placement = placement_kwargs(config, dtype)

    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
        model: Any = AutoModelForCausalLM.from_pretrained(
            source, **{_dtype_kwarg(): dtype}, **kwargs, **placement
        )
    except (OSError, ValueError, KeyError) as exc:
        where = "offline, not in the local cache" if kwargs.get("local_files_only") else source
        raise ScorerConfigError(
            f"Could not load model {config.model_source!r} ({where}): {exc}"
        ) from exc
    if adapter is not None:
        from peft import PeftModel

        try:
            model = PeftModel.from_pretrained(model, str(adapter))
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise ScorerConfigError(f"Could not load LoRA adapter {adapter}: {exc}") from exc
    if config.bos == "add" and tokenizer.bos_token_id is None:
        raise ScorerConfigError("BOS handling 'add' needs a tokenizer with a bos_token.")
    if placement:
        # Placed while loading (sharded, offloaded or quantized): moving it would undo that.
        device = main_device(model, device)
        if "offload_folder" in placement:
            # Offloaded layers may be copied there: gone with the model, or at exit.
            weakref.finalize(model, shutil.rmtree, placement["offload_folder"], True)
    else:
        model.to(device=device, dtype=dtype)
    model.eval()
    model.requires_grad_(False)
    loaded = LoadedScorer(config=config, model=model, tokenizer=tokenizer, device=device)
    sharded = placement_describe(model)
    if sharded:
        loaded.sharded = True
        loaded.device_name = f"{loaded.device_name} ({sharded})"
    return loaded


def get_scorer(config: ScorerConfig) -> LoadedScorer:
    """The process-wide loaded scorer for this configuration: loaded on first use, then kept."""
    with _cache_lock:
        scorer = _cache.get(config)
        if scorer is not None:
            _cache.move_to_end(config)
            return scorer
        scorer = load_scorer(config)
        _cache[config] = scorer
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
        return scorer


def clear_scorer_cache() -> None:
    with _cache_lock:
        _cache.clear()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
