"""On a GPU machine: a model split over the GPU, the CPU and the disk scores as on the GPU alone.

    python bench/sharding_check.py                  # needs CUDA; prints the largest difference

The CPU-only test (tests/scoring/engine/test_sharding.py) splits the tiny model over the CPU
and the disk. This check adds what only a GPU shows: inputs, key/value cache rows and logits
crossing between devices. It builds the same tiny GPT-2 (no download) and exits non-zero when
a perplexity differs by more than 1e-5 (the CUDA kernels of the two placements may differ).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import torch
from baseline import score_batched_baseline, score_reference
from scoring_setup import REPO

from scoring.engine import ScorerConfig, load_scorer
from tests.scoring.tinymodel import build_tiny_model

SPLIT = {
    "transformer.wte": 0,
    "transformer.wpe": 0,
    "transformer.h.0": 0,
    "transformer.h.1": "cpu",
    "transformer.ln_f": "disk",
    "lm_head": 0,
}
TOLERANCE = 1e-5


def main() -> None:
    # --cpu: the same check with every GPU part on the CPU (a dry run of this script).
    device = "cpu" if "--cpu" in sys.argv else "cuda"
    on_cpu = {module: "cpu" if target == 0 else target for module, target in SPLIT.items()}
    split_map = on_cpu if device == "cpu" else SPLIT
    if device == "cuda" and not torch.cuda.is_available():
        sys.exit(f"FAILED: torch {torch.__version__} sees no CUDA GPU; nothing was checked.")
    folder = build_tiny_model(Path(tempfile.mkdtemp(prefix="tiny-model-")))
    texts = (REPO / "README.md").read_text(encoding="utf-8").split("\n\n")[:24]
    texts = [text for text in texts if len(text.split()) > 3]
    pairs = list(zip(texts[::2], texts[1::2], strict=False))
    whole = load_scorer(ScorerConfig(model_source=str(folder), device=device, dtype="fp32"))
    split = load_scorer(
        ScorerConfig(
            model_source=str(folder), device=device, dtype="fp32", device_map=json.dumps(split_map)
        )
    )
    print(f"whole: {whole.device_name}; split: {split.device_name}")
    flat = [text for pair in pairs for text in pair]
    worst = 0.0
    for name, got, want in (
        ("engine", split.score_pairs(pairs), whole.score_pairs(pairs)),
        ("reference", score_reference(split, flat), score_reference(whole, flat)),
        (
            "baseline",
            score_batched_baseline(split, flat, batch_size=4),
            score_batched_baseline(whole, flat, batch_size=4),
        ),
    ):
        scores = [(a, b) for a, b in zip(got, want, strict=True)]
        if name == "engine":
            scores = [(a.original, b.original) for a, b in scores] + [
                (a.altered, b.altered) for a, b in scores
            ]
        diff = max(abs(a.ppl - b.ppl) / b.ppl for a, b in scores)
        worst = max(worst, diff)
        print(f"{name}: largest relative PPL difference split vs whole {diff:.2e}")
    print(f"sharding check {'PASS' if worst <= TOLERANCE else 'FAIL'} (tolerance {TOLERANCE:g})")
    sys.exit(0 if worst <= TOLERANCE else 1)


if __name__ == "__main__":
    main()
