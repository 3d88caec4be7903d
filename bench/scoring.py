"""Scoring benchmark: the paper's plain loop against the engine, same model, same items.

    .venv/bin/python bench/scoring.py                       # SmolLM2 on CPU, all 300 items
    .venv/bin/python bench/scoring.py --items 60 --threads 1
    .venv/bin/python bench/scoring.py --model llama2-7b-shape --device cuda

(a) the reference: every version alone, batch 1, one forward pass, no cache (score_reference);
(b) the engine: sorted, batched, shared prefixes run once (score_pairs). Prints tokens/s of
both (prompt tokens of all versions over wall time), the ratio, the largest relative
perplexity difference, and for the Llama-2-7B shape the fraction of the bf16 peak reached.
"""

from __future__ import annotations

import argparse
import csv
import os
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
from scoring.engine.batching import plan_groups  # noqa: E402
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


def llama2_shape_scorer(device: str, layers: int) -> LoadedScorer:
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    gguf = smollm2_gguf_path()
    smol_tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    config = LlamaConfig(**{**LLAMA2_7B, "num_hidden_layers": layers})
    target = resolve_device(device)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)
    try:
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
        return llama2_shape_scorer(args.device, args.layers)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="smollm2", help="smollm2|tiny|llama2-7b-shape|PATH")
    parser.add_argument("--device", default="auto", choices=["auto", "cuda", "cpu"])
    parser.add_argument("--dtype", default="auto", choices=["auto", "bf16", "fp16", "fp32"])
    parser.add_argument("--bos", default="tokenizer", choices=["tokenizer", "add", "none"])
    parser.add_argument("--template", default="", help="prompt template file")
    parser.add_argument("--items", type=int, default=None, help="default: all 300")
    default_data = os.environ.get("BRAINBENCH_DIR", str(REPO.parent / "shared/data/brainbench"))
    parser.add_argument("--data", default=default_data)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--peak-tflops", type=float, default=989.0, help="bf16 dense peak")
    parser.add_argument(
        "--layers", type=int, default=32, help="llama2-7b-shape layers (fewer: a smoke test)"
    )
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument(
        "--per-item",
        action="store_true",
        help="share prefixes within an item only, not across items with the same original",
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    items = load_items(Path(args.data), args.items)
    pairs = [(original, altered) for _, original, altered in items]
    (scorer, load_s, _) = timed(lambda: build_scorer(args), torch.device("cpu"))
    device = scorer.device
    print(f"model {args.model}: {scorer.dtype} on {scorer.device_name}, loaded in {load_s:.1f} s")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads")
    scorer.score_pairs(pairs[:2])  # warm-up: kernels, allocator, lazy imports

    tokenized = [(scorer.tokenize(a), scorer.tokenize(b)) for a, b in pairs]
    prompt_tokens = sum(len(a) + len(b) for a, b in tokenized)
    across_items = not args.per_item
    groups = plan_groups(tokenized, across_items=across_items)
    run_tokens = sum(
        g.prefix_len + sum(len(s) - g.prefix_len for s in g.sequences)
        if g.prefix_len
        else sum(len(s) for s in g.sequences)
        for g in groups
    )
    print(
        f"{len(pairs)} items, {prompt_tokens} prompt tokens; the engine runs {run_tokens} "
        f"({run_tokens / prompt_tokens:.0%}) in {len(groups)} groups"
    )
    fast, fast_s, fast_cpu = timed(
        lambda: scorer.score_pairs(pairs, batch_size=args.batch_size, across_items=across_items),
        device,
    )
    print(
        f"engine:    {fast_s:8.2f} s wall ({fast_cpu:.1f} s CPU), "
        f"{prompt_tokens / fast_s:9.0f} tokens/s, batch size {args.batch_size or scorer.batch_size}"
    )
    by_source = {
        source: [s.correct for (src, _, _), s in zip(items, fast, strict=True) if src == source]
        for source in FILES
    }
    for source, correct in by_source.items():
        if correct:
            print(
                f"accuracy on {source}-written items: {sum(correct) / len(correct):.3f} "
                f"({sum(correct)}/{len(correct)})"
            )
    if device.type == "cuda":
        context = run_tokens / max(1, 2 * len(groups))
        flops = flops_per_token(scorer.model, context) * run_tokens
        achieved = flops / fast_s / 1e12
        print(
            f"engine compute: {achieved:.0f} TFLOP/s = {achieved / args.peak_tflops:.1%} of "
            f"{args.peak_tflops:.0f} TFLOP/s bf16 peak"
        )
    if args.skip_reference:
        return
    texts = [text for pair in pairs for text in pair]
    reference, ref_s, ref_cpu = timed(lambda: scorer.score_reference(texts), device)
    print(
        f"reference: {ref_s:8.2f} s wall ({ref_cpu:.1f} s CPU), "
        f"{prompt_tokens / ref_s:9.0f} tokens/s, batch size 1, no prefix reuse"
    )
    worst = 0.0
    for number, pair in enumerate(fast):
        for got, want in (
            (pair.original, reference[2 * number]),
            (pair.altered, reference[2 * number + 1]),
        ):
            worst = max(worst, abs(got.ppl - want.ppl) / want.ppl)
    print(f"speed-up: {ref_s / fast_s:.2f}x wall, {ref_cpu / max(fast_cpu, 1e-9):.2f}x CPU time")
    print(f"largest relative PPL difference engine vs reference: {worst:.2e}")


if __name__ == "__main__":
    main()
