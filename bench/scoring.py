"""Scoring benchmark: the engine against the usual batched baseline and the paper's plain loop.

    .venv/bin/python bench/scoring.py                       # SmolLM2 on CPU, all 300 items
    .venv/bin/python bench/scoring.py --items 60 --threads 2
    bash bench/scoring_gpu.sh                               # the GPU run: see that script

Same model, same items, same device, one after the other:
(a) the engine: length-sorted batches, shared prefixes run once (score_pairs);
(b) the baseline: what lm-evaluation-harness's Hugging Face backend does, every version a
    whole sequence in length-sorted right-padded batches (score_batched_baseline);
(c) the reference: every version alone, batch 1, no cache (score_reference).
Prints wall seconds and tokens/s of each (prompt tokens of all versions over wall time), the
tokens each actually ran (padding included), the fraction of the bf16 peak on a GPU, the
largest relative perplexity difference of (a) and (b) against (c), and with --fp32-check the
difference of the bf16 engine against an fp32 reference. --json writes every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import torch
from baseline import score_batched_baseline, score_reference
from scoring_setup import (
    FILES,
    REPO,
    build_scorer,
    engine_padded_tokens,
    flops_per_token,
    load_items,
    timed,
)

from scoring.engine.batching import plan_groups
from scoring.engine.config import PairScore, VersionScore

# bf16 dense tensor peak (TFLOP/s, no sparsity) by GPU name; --peak-tflops for any other.
BF16_PEAK = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0, "L4": 121.0}
# Largest relative PPL difference that counts as equal for a bf16 model (docs/performance.md).
BF16_TOLERANCE = 1e-2


def versions() -> dict[str, str]:
    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_cuda": str(torch.version.cuda),
        "transformers": version("transformers"),
        "accelerate": version("accelerate"),
    }


def peak_tflops(args: argparse.Namespace, device_name: str) -> float | None:
    if args.peak_tflops:
        return float(args.peak_tflops)
    return next((peak for name, peak in BF16_PEAK.items() if name in device_name), None)


def max_rel_diff(got: list[VersionScore], want: list[VersionScore]) -> float:
    return max(abs(a.ppl - b.ppl) / b.ppl for a, b in zip(got, want, strict=True))


def flatten(pairs: list[PairScore]) -> list[VersionScore]:
    return [score for pair in pairs for score in (pair.original, pair.altered)]


def method(seconds: float, cpu: float, prompt: int, ran: int, flops: float) -> dict[str, Any]:
    """Figures of one method; ran = tokens it put through the model, padding included."""
    return {
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 2),
        "tokens_per_s": round(prompt / seconds, 1),
        "tokens_run": ran,
        "tflops": round(flops * ran / seconds / 1e12, 2),
    }


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--model", default="smollm2", help="smollm2|tiny|llama2-7b-shape|PATH")
    parser.add_argument("--device", default="auto", choices=["auto", "cuda", "cpu"])
    parser.add_argument("--dtype", default="auto", choices=["auto", "bf16", "fp16", "fp32"])
    parser.add_argument("--bos", default="tokenizer", choices=["tokenizer", "add", "none"])
    parser.add_argument("--template", default="", help="prompt template file")
    parser.add_argument("--tokenizer", default="", help="exported SmolLM2 tokenizer folder")
    parser.add_argument("--items", type=int, default=None, help="default: all 300")
    default_data = os.environ.get("BRAINBENCH_DIR", str(REPO.parent / "shared/data/brainbench"))
    parser.add_argument("--data", default=default_data)
    parser.add_argument("--batch-size", type=int, default=None, help="engine: items per batch")
    parser.add_argument(
        "--baseline-batch-size", type=int, default=None, help="sequences; default 2x the engine's"
    )
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--peak-tflops", type=float, default=None, help="bf16 dense peak")
    parser.add_argument("--layers", type=int, default=32, help="llama2-7b-shape layers")
    parser.add_argument("--fp32-check", type=int, default=0, help="items scored again in fp32")
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--json", default="", help="write every figure to this file")
    return parser.parse_args()


def main() -> None:
    args = arguments()
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit(
            f"FAILED: --device cuda but torch {torch.__version__} (CUDA {torch.version.cuda}) "
            "sees no usable CUDA GPU; nothing was measured."
        )
    if args.threads:
        torch.set_num_threads(args.threads)
    items = load_items(Path(args.data), args.items)
    pairs = [(original, altered) for _, original, altered in items]
    texts = [text for pair in pairs for text in pair]
    scorer, load_s, _ = timed(lambda: build_scorer(args), torch.device("cpu"))
    device = scorer.device
    report: dict[str, Any] = {"versions": versions(), "model": args.model, "items": len(pairs)}
    report.update(device=scorer.device_name, dtype=str(scorer.dtype), load_seconds=load_s)
    # The attention kernel matters to the comparison: the baseline passes no mask (causal
    # attention may take the flash kernel), the engine passes one (padding and the prefix).
    attention = getattr(scorer.model.config, "_attn_implementation", None) or "default"
    report["attention"] = attention
    print(f"model {args.model}: {scorer.dtype} on {scorer.device_name}, loaded in {load_s:.1f} s")
    print(", ".join(f"{name} {value}" for name, value in report["versions"].items()))
    print(f"attention implementation: {attention}")
    scorer.score_pairs(pairs[:2])  # warm-up: kernels, allocator, lazy imports

    tokenized = [(scorer.tokenize(a), scorer.tokenize(b)) for a, b in pairs]
    prompt = sum(len(a) + len(b) for a, b in tokenized)
    groups = plan_groups(tokenized)
    batch = args.batch_size or scorer.batch_size
    engine_ran = engine_padded_tokens(groups, batch)
    context = prompt / len(texts)
    flops = flops_per_token(scorer.model, context)
    report["prompt_tokens"] = prompt
    print(f"{len(pairs)} items, {len(texts)} versions, {prompt} prompt tokens")

    peak = peak_tflops(args, scorer.device_name)
    fast, seconds, cpu = timed(lambda: scorer.score_pairs(pairs, batch_size=batch), device)
    report["engine"] = {**method(seconds, cpu, prompt, engine_ran, flops), "batch_items": batch}
    print_method("engine", report, device, peak)
    if not args.skip_baseline:
        base_batch = args.baseline_batch_size or 2 * batch
        lengths = sorted((len(ids) for pair in tokenized for ids in pair), reverse=True)
        base_ran = sum(
            lengths[start] * len(lengths[start : start + base_batch])
            for start in range(0, len(lengths), base_batch)
        )
        base, seconds, cpu = timed(
            lambda: score_batched_baseline(scorer, texts, batch_size=base_batch), device
        )
        report["baseline"] = {
            **method(seconds, cpu, prompt, base_ran, flops),
            "batch_sequences": base_batch,
            "max_rel_ppl_diff_vs_engine": max_rel_diff(base, flatten(fast)),
        }
        print_method("baseline", report, device, peak)
    if not args.skip_reference:
        reference, seconds, cpu = timed(lambda: score_reference(scorer, texts), device)
        report["reference"] = method(seconds, cpu, prompt, prompt, flops)
        print_method("reference", report, device, peak)
        report["engine"]["max_rel_ppl_diff_vs_reference"] = max_rel_diff(flatten(fast), reference)
        if not args.skip_baseline:
            report["baseline"]["max_rel_ppl_diff_vs_reference"] = max_rel_diff(base, reference)
    if args.fp32_check:
        checked = texts[: 2 * args.fp32_check]
        scorer.model.float()
        exact = score_reference(scorer, checked)
        report["fp32_check"] = {
            "items": len(checked) // 2,
            "max_rel_ppl_diff_engine_vs_fp32_reference": max_rel_diff(
                flatten(fast)[: len(checked)], exact
            ),
        }
    print_summary(report, device, items, fast)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"figures written to {args.json}")


def print_method(
    name: str, report: dict[str, Any], device: torch.device, peak: float | None
) -> None:
    """One method's line, printed as soon as it is measured (a later crash keeps it)."""
    figures, prompt = report[name], report["prompt_tokens"]
    line = (
        f"{name:9s}: {figures['seconds']:8.2f} s wall ({figures['cpu_seconds']:.1f} s CPU), "
        f"{figures['tokens_per_s']:9.0f} tokens/s, ran {figures['tokens_run']} tokens "
        f"({figures['tokens_run'] / prompt:.0%} of the prompt tokens)"
    )
    if device.type == "cuda" and peak:
        figures["peak_fraction"] = figures["tflops"] / peak
        line += f", {figures['tflops']:.0f} TFLOP/s = {figures['peak_fraction']:.1%} of peak"
    print(line, flush=True)


def print_summary(
    report: dict[str, Any],
    device: torch.device,
    items: list[tuple[str, str, str]],
    fast: list[PairScore],
) -> None:
    for name in ("engine", "baseline"):
        for key, value in report.get(name, {}).items():
            if key.startswith("max_rel_ppl_diff_"):
                against = key.removeprefix("max_rel_ppl_diff_").replace("_", " ")
                print(f"largest relative PPL difference, {name} {against}: {value:.2e}")
    engine = report["engine"]
    for other in ("baseline", "reference"):
        if other in report:
            ratio = report[other]["seconds"] / engine["seconds"]
            engine[f"speedup_vs_{other}"] = ratio
            # CPU time as well: on a shared CPU, wall time counts other processes' work too.
            cpu = report[other]["cpu_seconds"] / max(engine["cpu_seconds"], 0.1)
            engine[f"cpu_speedup_vs_{other}"] = cpu
            print(f"engine vs {other}: {ratio:.2f}x wall, {cpu:.2f}x CPU time")
    if "fp32_check" in report:
        check = report["fp32_check"]
        diff = check["max_rel_ppl_diff_engine_vs_fp32_reference"]
        print(f"engine ({report['dtype']}) vs fp32 reference, {check['items']} items: {diff:.2e}")
    for source in FILES:
        correct = [s.correct for (src, _, _), s in zip(items, fast, strict=True) if src == source]
        if correct:
            print(f"accuracy on {source}-written items: {sum(correct) / len(correct):.3f}")
    if device.type == "cuda":
        print_targets(report)


def print_targets(report: dict[str, Any]) -> None:
    """The issue's targets for the GPU run, each PASS or FAIL."""
    engine = report["engine"]
    checks = {"all items in <= 4 s": engine["seconds"] <= 4.0}
    if "speedup_vs_reference" in engine:
        checks[">= 8x the reference loop"] = engine["speedup_vs_reference"] >= 8.0
        diff = engine["max_rel_ppl_diff_vs_reference"]
        checks[f"PPL within {BF16_TOLERANCE:g} of the reference"] = diff <= BF16_TOLERANCE
    if "speedup_vs_baseline" in engine:
        checks["faster than the batched baseline"] = engine["speedup_vs_baseline"] > 1.0
    if "fp32_check" in report:
        diff = report["fp32_check"]["max_rel_ppl_diff_engine_vs_fp32_reference"]
        checks[f"PPL within {BF16_TOLERANCE:g} of fp32"] = diff <= BF16_TOLERANCE
    report["targets"] = checks
    for what, ok in checks.items():
        print(f"target {what}: {'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
