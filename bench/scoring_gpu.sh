#!/usr/bin/env bash
# The GPU run of the scoring benchmark, one command on a machine with a CUDA GPU, no network
# and its own torch and transformers (the versions that ran are printed and saved):
#
#   bash bench/scoring_gpu.sh [OUT_DIR]        # default $OUT, else bench/gpu-out
#
# Needs bench/gpu-kit, made beforehand where the repository's venv is:
#   .venv/bin/python bench/gpu_kit.py          # BrainBench CSVs + SmolLM2 tokenizer, ~5 MB
# Steps: self-check (CUDA present), a 2-layer smoke run (a version mismatch shows in seconds),
# the full run (random-weight Llama-2-7B shape, bf16, all 300 items: engine, lm-eval-style
# baseline, one-at-a-time reference, fp32 check on 50 items), then the sharding check over
# GPU + CPU + disk. Figures go to OUT_DIR/*.json and *.log.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-${OUT:-bench/gpu-out}}"
py="${PYTHON:-python3}"
kit=bench/gpu-kit
mkdir -p "$out"
if [ ! -f "$kit/testcases/BrainBench_Human_v0.1.csv" ] || [ ! -f "$kit/smollm2-tokenizer/tokenizer.json" ]; then
    echo "FAILED: $kit is missing; run .venv/bin/python bench/gpu_kit.py and carry it here" >&2
    exit 2
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 | tee "$out/gpu.txt" || true
"$py" - <<'PY' 2>&1 | tee -a "$out/gpu.txt"
import sys
import torch, transformers
print(f"python {sys.version.split()[0]}, torch {torch.__version__} (CUDA {torch.version.cuda}), "
      f"transformers {transformers.__version__}")
if not torch.cuda.is_available():
    sys.exit("FAILED: torch sees no CUDA GPU; nothing was measured.")
print(f"GPU: {torch.cuda.get_device_name(0)}, bf16: {torch.cuda.is_bf16_supported()}")
PY
common=(--model llama2-7b-shape --device cuda --dtype bf16 --bos add
        --data "$kit/testcases" --tokenizer "$kit/smollm2-tokenizer")
echo "== smoke: 2 layers, 20 items"
"$py" bench/scoring.py "${common[@]}" --layers 2 --items 20 --json "$out/smoke.json" 2>&1 | tee "$out/smoke.log"
echo "== full: 32 layers, all items"
"$py" bench/scoring.py "${common[@]}" --fp32-check 50 --json "$out/scoring-gpu.json" 2>&1 | tee "$out/scoring-gpu.log"
echo "== sharding over GPU + CPU + disk"
"$py" bench/sharding_check.py 2>&1 | tee "$out/sharding.log"
