"""Benchmark: the cost of the item preview's word difference, typical and hostile.

    .venv/bin/python bench/diff_cost.py

Prints the milliseconds of ``differences_compute`` for: every published BrainBench item (and
whether its passages equal those of the difflib matcher used before), two 6,000-word versions
differing in one word (3 to 4 s with difflib), and versions at the import's word limit built to
be slow (random words from small alphabets, alternating words, long runs of one word). Target:
no pair over 1 s, so that a file at the 20 MB upload cap cannot hold the server for long.
"""

from __future__ import annotations

import csv
import difflib
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "braintrial.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from braintrial.items.services.diff import differences_compute  # noqa: E402
from braintrial.items.services.parsing import MAX_ABSTRACT_WORDS  # noqa: E402


def _difflib_passages(original: str, altered: str) -> list[dict[str, str]]:
    a, b = original.split(), altered.split()
    spans: list[list[int]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if spans and spans[-1][1] == i1 and spans[-1][3] == j1:
            spans[-1][1], spans[-1][3] = i2, j2
        else:
            spans.append([i1, i2, j1, j2])
    return [{"original": " ".join(a[i:j]), "altered": " ".join(b[k:m])} for i, j, k, m in spans]


def _ms(original: str, altered: str) -> float:
    start = time.perf_counter()
    differences_compute(original=original, altered=altered)
    return (time.perf_counter() - start) * 1000


def main() -> int:
    same = total = 0
    worst = 0.0
    folder = Path(settings.BRAINBENCH_DIR)
    for name in ("BrainBench_Human_v0.1.csv", "BrainBench_GPT-4_v0.1.csv"):
        with (folder / name).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                a, b = row["original_abstract"], row["incorrect_abstract"]
                worst = max(worst, _ms(a, b))
                total += 1
                same += differences_compute(original=a, altered=b) == _difflib_passages(a, b)
    print(f"published items: {total}, passages as difflib's: {same}, slowest {worst:.2f} ms")
    sentence = "We recorded from many neurons in the cortex and found that the response "
    sentence += "increased after training in the task ."
    words = (sentence.split() * 300)[:6000]  # an abstract said over and over: difflib's worst
    changed = list(words)
    changed[3000] = "decreased"
    start = time.perf_counter()
    difflib.SequenceMatcher(None, words, changed, autojunk=False).get_opcodes()
    before = (time.perf_counter() - start) * 1000
    now = _ms(" ".join(words), " ".join(changed))
    print(
        f"6,000 words of one repeated sentence, one changed: {now:.1f} ms (difflib {before:.0f} ms)"
    )
    n = MAX_ABSTRACT_WORDS
    random.seed(20)
    cases = {
        f"random words, alphabet {size}": tuple(
            " ".join(random.choice(range(size)).__str__() for _ in range(n)) for _ in range(2)
        )
        for size in (2, 3, 50, 5000)
    }
    cases["alternating a b / b a"] = (
        " ".join(["a", "b"] * (n // 2)),
        " ".join(["b", "a"] * (n // 2)),
    )
    repeated = (sentence.split() * 200)[:n]
    edited = list(repeated)
    for at in (5, n // 2, n - 5):
        edited[at] = "changed"
    cases["one repeated sentence, three words changed"] = (" ".join(repeated), " ".join(edited))
    cases["one word, 150 others inserted"] = (
        " ".join(["a"] * n),
        " ".join(["a"] * (n // 2) + ["b"] * 150 + ["a"] * (n // 2 - 150)),
    )
    slowest = 0.0
    for label, (a, b) in cases.items():
        ms = _ms(a, b)
        slowest = max(slowest, ms)
        print(f"{n:,} words, {label}: {ms:.1f} ms")
    verdict = "PASS" if slowest < 1000 else "FAIL"
    print(f"slowest hostile pair {slowest:.1f} ms (target < 1000 ms): {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
