"""What the scoring benchmark runs on: the items, the model (SmolLM2, a tiny GPT-2, the
random-weight Llama-2-7B shape, or a folder), timing and FLOP counting. See bench/scoring.py."""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import torch  # noqa: E402

from scoring.engine import (  # noqa: E402
    LoadedScorer,
    ScorerConfig,
    load_scorer,
    smollm2_config,
    smollm2_gguf_path,
)
from scoring.engine.batching import Group  # noqa: E402
from scoring.engine.loading import resolve_device  # noqa: E402

FILES = {"human": "BrainBench_Human_v0.1.csv", "gpt4": "BrainBench_GPT-4_v0.1.csv"}
LLAMA2_7B: dict[str, Any] = {
    "hidden_size": 4096,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": 32,
    "intermediate_size": 11008,
    "vocab_size": 32000,
    "max_position_embeddings": 4096,
}
T = TypeVar("T")


def load_items(data: Path, count: int | None) -> list[tuple[str, str, str]]:
    """(source, original, altered); a subset takes whole papers, evenly spaced, so that the
    share of GPT-4 cases whose paper is also a human case stays as in the full set."""
    papers: dict[str, list[tuple[str, str, str]]] = {}
    for source, name in FILES.items():
        with open(data / name, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                item = (source, row["original_abstract"], row["incorrect_abstract"])
                papers.setdefault(row["doi"], []).append(item)
    every = [items for _, items in sorted(papers.items())]
    if count is None or count >= sum(len(items) for items in every):
        return [item for items in every for item in items]
    # Golden-ratio order: any first k papers of it are spread evenly over the whole list.
    order = sorted(range(len(every)), key=lambda index: (index * 0.6180339887) % 1.0)
    chosen: list[tuple[str, str, str]] = []
    for index in order:
        chosen.extend(every[index][: count - len(chosen)])
        if len(chosen) == count:
            break
    return chosen


class FoldedTokenizer:
    """SmolLM2's tokenizer with ids folded into a smaller vocabulary.

    For random-weight models the ids' identities do not matter, only how many there are and
    where two versions diverge; this keeps realistic token counts for Llama-2's 32,000 ids.
    """

    def __init__(self, inner: Any, vocab_size: int) -> None:
        self.inner, self.vocab_size = inner, vocab_size
        self.bos_token_id = inner.bos_token_id % vocab_size
        self.eos_token_id = inner.eos_token_id % vocab_size
        self.pad_token_id = self.eos_token_id

    def __call__(self, text: str) -> dict[str, list[int]]:
        return {"input_ids": [i % self.vocab_size for i in self.inner(text)["input_ids"]]}


def smollm2_tokenizer(folder: str) -> Any:
    """SmolLM2's tokenizer: from an exported folder (bench/gpu_kit.py; no gguf package needed,
    as on a GPU machine that has only its own torch and transformers), else from the GGUF."""
    import json

    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    if folder:
        # The fast tokenizer class itself, not AutoTokenizer: the exported tokenizer_config
        # names a class of this transformers version that another version may not have.
        special = json.loads((Path(folder) / "tokenizer_config.json").read_text("utf-8"))
        tokens = {key: special[key] for key in ("bos_token", "eos_token", "pad_token")}
        return PreTrainedTokenizerFast(
            tokenizer_file=str(Path(folder) / "tokenizer.json"), **tokens
        )
    gguf = smollm2_gguf_path()
    return AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)


def llama2_shape_scorer(device: str, layers: int, tokenizer_folder: str) -> LoadedScorer:
    from transformers import LlamaConfig, LlamaForCausalLM

    smol_tokenizer = smollm2_tokenizer(tokenizer_folder)
    config = LlamaConfig(**{**LLAMA2_7B, "num_hidden_layers": layers})
    target = resolve_device(device)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)
    try:
        torch.manual_seed(0)
        with target:
            model = LlamaForCausalLM(config)
    finally:
        torch.set_default_dtype(previous)
    model.eval().requires_grad_(False)
    tokenizer = FoldedTokenizer(smol_tokenizer, config.vocab_size)
    settings = ScorerConfig(model_source="llama2-7b-shape (random weights)", bos="add")
    return LoadedScorer(config=settings, model=model, tokenizer=tokenizer, device=target)


def build_scorer(args: argparse.Namespace) -> LoadedScorer:
    template = Path(args.template).read_text(encoding="utf-8") if args.template else ""
    if args.model == "smollm2":
        base = smollm2_config(device=args.device, dtype=args.dtype)
        return load_scorer(ScorerConfig(**{**base.__dict__, "prompt_template": template}))
    if args.model == "llama2-7b-shape":
        return llama2_shape_scorer(args.device, args.layers, args.tokenizer)
    if args.model == "tiny":
        from tests.scoring.tinymodel import build_tiny_model

        source = str(build_tiny_model(Path(tempfile.mkdtemp(prefix="tiny-model-"))))
        gguf = ""
    else:
        path = Path(args.model)
        source, gguf = (str(path.parent), path.name) if path.suffix == ".gguf" else (str(path), "")
    return load_scorer(
        ScorerConfig(
            model_source=source,
            gguf_file=gguf,
            device=args.device,
            dtype=args.dtype,
            bos=args.bos,
            prompt_template=template,
        )
    )


def timed(work: Callable[[], T], device: torch.device) -> tuple[T, float, float]:
    """(result, wall seconds, process CPU seconds)."""
    if device.type == "cuda":
        torch.cuda.synchronize()
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def flops_per_token(model: Any, context: float) -> float:
    """Forward FLOPs per token: 2 x weights (embedding lookup excluded) + attention scores."""
    config = model.config
    params = sum(p.numel() for p in model.parameters())
    embedding = model.get_input_embeddings().weight.numel()
    tied = model.get_output_embeddings().weight is model.get_input_embeddings().weight
    matmul_params = params - (0 if tied else embedding)
    attention = 4 * config.num_hidden_layers * config.hidden_size * context
    return 2 * matmul_params + attention


def engine_padded_tokens(groups: list[Group], batch: int) -> int:
    """Tokens the engine puts through the model, padding included, batching as score_pairs
    does: groups longest first, each batch one prefix pass and one continuation pass."""
    ordered = sorted(groups, key=lambda group: (-group.longest, -group.prefix_len))
    total = 0
    for start in range(0, len(ordered), batch):
        chunk = ordered[start : start + batch]
        shared = [group for group in chunk if group.prefix_len > 0]
        alone = [seq for group in chunk if group.prefix_len == 0 for seq in group.sequences]
        if shared:
            total += max(group.prefix_len for group in shared) * len(shared)
            rest = [len(seq) - g.prefix_len for g in shared for seq in g.sequences]
            total += max(rest) * len(rest)
        if alone:
            total += max(len(seq) for seq in alone) * len(alone)
    return total
