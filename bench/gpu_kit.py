"""Prepare what the GPU run needs and a GPU machine cannot fetch: the BrainBench CSVs and
SmolLM2's tokenizer as plain files (the machine has its own torch and transformers, maybe no
gguf package, and no network).

    .venv/bin/python bench/gpu_kit.py            # writes bench/gpu-kit/ (git-ignored, ~5 MB)

Then carry bench/gpu-kit to the GPU machine with the working tree and run
bench/scoring_gpu.sh there.
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

from scoring_setup import FILES, REPO, smollm2_tokenizer


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("folder", nargs="?", default=str(REPO / "bench" / "gpu-kit"))
    default_data = os.environ.get("BRAINBENCH_DIR", str(REPO.parent / "shared/data/brainbench"))
    parser.add_argument("--data", default=default_data)
    args = parser.parse_args()
    kit = Path(args.folder)
    (kit / "testcases").mkdir(parents=True, exist_ok=True)
    for name in FILES.values():
        shutil.copyfile(Path(args.data) / name, kit / "testcases" / name)
    smollm2_tokenizer("").save_pretrained(kit / "smollm2-tokenizer")
    size = sum(path.stat().st_size for path in kit.rglob("*") if path.is_file())
    print(f"GPU kit ready in {kit} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
