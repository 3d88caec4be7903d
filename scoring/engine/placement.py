"""Placing a model larger than one GPU: device map, memory per GPU, 8-bit or 4-bit weights.

Pure Python at import (validation runs in web processes); torch and transformers are imported
only when a model is loaded. A sharded model gives the same perplexities as the same model
on one device (tests/scoring/engine/test_sharding.py): the layers run in the same order with
the same weights, only on different devices.

Formats (each field empty by default: the whole model on the scorer's device):

- device_map: an accelerate strategy (auto, balanced, balanced_low_0, sequential) or a JSON
  object from module name to target: a GPU index (0), "cuda:1", "cpu" or "disk".
- max_memory: for a strategy only, the memory each target may hold, e.g. "0:70GiB,1:70GiB" or
  "0:70GiB,cpu:200GiB"; units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB. Layers that fit nowhere
  else go to disk.
- quantization: "8bit" or "4bit" (bitsandbytes, CUDA only; pip install 'braintrial[quantize]').
"""

from __future__ import annotations

import importlib.util
import json
import re
import tempfile
from typing import TYPE_CHECKING, Any

from scoring.engine.config import (
    DEVICE_MAP_STRATEGIES,
    QUANTIZATIONS,
    ScorerConfigError,
)

if TYPE_CHECKING:
    import torch

    from scoring.engine.config import ScorerConfig

_UNITS = {
    "B": 1,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "TB": 10**12,
    "KIB": 2**10,
    "MIB": 2**20,
    "GIB": 2**30,
    "TIB": 2**40,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?I?B)\s*$", re.IGNORECASE)
_CUDA = re.compile(r"^cuda:(\d+)$")


def parse_device_map(text: str) -> str | dict[str, int | str]:
    """Empty for none, a strategy name, or {module: target}; raises ScorerConfigError."""
    text = text.strip()
    if not text or text in DEVICE_MAP_STRATEGIES:
        return text
    try:
        mapping = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScorerConfigError(
            f"device_map must be one of {', '.join(DEVICE_MAP_STRATEGIES)} or a JSON object "
            f"from module name to device ({exc.msg})."
        ) from exc
    if not isinstance(mapping, dict) or not mapping:
        raise ScorerConfigError("device_map as JSON must be a non-empty object {module: device}.")
    parsed: dict[str, int | str] = {}
    for module, target in mapping.items():
        if isinstance(target, bool) or not (
            (isinstance(target, int) and target >= 0)
            or target in ("cpu", "disk")
            or (isinstance(target, str) and _CUDA.match(target))
        ):
            raise ScorerConfigError(
                f"device_map: module {module!r} goes to {target!r}; a target is a GPU index "
                "(0, 1, ...), 'cuda:N', 'cpu' or 'disk'."
            )
        parsed[str(module)] = target
    return parsed


def parse_max_memory(text: str) -> dict[int | str, int]:
    """{GPU index or "cpu": bytes} from "0:70GiB,cpu:200GiB"; raises ScorerConfigError."""
    limits: dict[int | str, int] = {}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        target, _, size = part.partition(":")
        target = target.strip()
        key: int | str
        if target.isdigit():
            key = int(target)
        elif target == "cpu":
            key = target
        else:
            raise ScorerConfigError(
                f"max_memory: {target!r} is not a GPU index (0, 1, ...) or 'cpu' ({part!r})."
            )
        match = _SIZE.match(size)
        if match is None:
            raise ScorerConfigError(
                f"max_memory: {size.strip()!r} for {target} is not a size such as 70GiB."
            )
        if key in limits:
            raise ScorerConfigError(f"max_memory names {target} twice.")
        limits[key] = int(float(match.group(1)) * _UNITS[match.group(2).upper()])
    return limits


def _uses_gpu(target: int | str) -> bool:
    return isinstance(target, int) or bool(_CUDA.match(str(target)))


def placement_validate(config: ScorerConfig) -> None:
    """Checks of device_map, max_memory and quantization that need no torch."""
    device_map = parse_device_map(config.device_map)
    max_memory = parse_max_memory(config.max_memory)
    strategy = isinstance(device_map, str) and bool(device_map)
    if max_memory and not strategy:
        raise ScorerConfigError(
            "max_memory applies only with a device_map strategy "
            f"({', '.join(DEVICE_MAP_STRATEGIES)}); an explicit map places every module itself."
        )
    if config.device == "cpu":
        targets = device_map.values() if isinstance(device_map, dict) else []
        if any(_uses_gpu(target) for target in [*targets, *max_memory]):
            raise ScorerConfigError("The scorer's device is 'cpu' but its placement names a GPU.")
        if strategy and not max_memory:
            raise ScorerConfigError(
                "On device 'cpu' a device_map strategy needs max_memory such as 'cpu:8GiB' "
                "(what does not fit goes to disk)."
            )
    if config.quantization not in QUANTIZATIONS:
        raise ScorerConfigError(
            f"Unsupported quantization {config.quantization!r}: choose 8bit, 4bit or none."
        )
    if config.quantization and config.gguf_file:
        raise ScorerConfigError("GGUF weights are quantized already; leave quantization empty.")
    if config.quantization and config.device == "cpu":
        raise ScorerConfigError("8-bit and 4-bit loading need a CUDA GPU; the device is 'cpu'.")


def placement_error(**fields: str) -> str:
    """The first problem of these placement fields (named as in ScorerConfig), "" if none."""
    from scoring.engine.config import ScorerConfig

    try:
        placement_validate(ScorerConfig(model_source="-", **fields))
    except ScorerConfigError as exc:
        return str(exc)
    return ""


def placement_kwargs(config: ScorerConfig, dtype: torch.dtype) -> dict[str, Any]:
    """from_pretrained arguments that place the model; {} for one device (moved afterwards).

    Raises ScorerConfigError when quantization is asked for but bitsandbytes or a GPU is
    missing, before any weights are read.
    """
    kwargs: dict[str, Any] = {}
    device_map = parse_device_map(config.device_map)
    if device_map:
        if importlib.util.find_spec("accelerate") is None:
            raise ScorerConfigError("A device_map needs accelerate: pip install accelerate.")
        kwargs["device_map"] = device_map
        # Layers placed on (or overflowing to) "disk" are read from here for each forward.
        kwargs["offload_folder"] = tempfile.mkdtemp(prefix="braintrial-offload-")
        max_memory = parse_max_memory(config.max_memory)
        if max_memory:
            kwargs["max_memory"] = max_memory
    if config.quantization:
        kwargs.update(_quantization_kwargs(config.quantization, dtype, has_map=bool(device_map)))
    return kwargs


def _quantization_kwargs(kind: str, dtype: torch.dtype, *, has_map: bool) -> dict[str, Any]:
    import torch

    if importlib.util.find_spec("bitsandbytes") is None:
        raise ScorerConfigError(
            f"{kind} loading needs bitsandbytes, which is not installed: "
            "pip install 'braintrial[quantize]' (Linux with a CUDA GPU)."
        )
    if not torch.cuda.is_available():
        raise ScorerConfigError(f"{kind} loading needs a CUDA GPU; this machine has none.")
    from transformers import BitsAndBytesConfig

    if kind == "8bit":
        quantization = BitsAndBytesConfig(load_in_8bit=True)
    else:
        # NF4 weights, matrix products in the scorer's dtype (bf16 on a GPU that has it).
        quantization = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=dtype
        )
    # Quantized weights cannot be moved after loading: place them while loading.
    return {"quantization_config": quantization, **({} if has_map else {"device_map": 0})}


def main_device(model: Any, fallback: torch.device) -> torch.device:
    """Where a placed model reads its input: the first GPU it uses, else the CPU."""
    import torch

    device_map = getattr(model, "hf_device_map", None)
    if not device_map:
        return fallback
    for target in device_map.values():
        if _uses_gpu(target):
            return torch.device(f"cuda:{target}" if isinstance(target, int) else target)
    return torch.device("cpu")


def placement_describe(model: Any) -> str:
    """Empty on one device, else e.g. "sharded: 0 x14, 1 x18, disk x2" (modules per target)."""
    device_map = getattr(model, "hf_device_map", None) or {}
    counts: dict[str, int] = {}
    for target in device_map.values():
        counts[str(target)] = counts.get(str(target), 0) + 1
    if len(counts) < 2:
        return ""
    return "sharded: " + ", ".join(f"{target} x{count}" for target, count in counts.items())
