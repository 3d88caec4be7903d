"""Benchmark: the one path of each bulk read (the analysis loader, the CSV exports) on a study.

Issue 30's rule: a Postgres-only fast path stays only where it is more than twice as fast on
the published study and at 100,000 participants. These are the figures to hold it against:

    # the published study (after manage.py import_brainbench, import_published_scores and
    # import_published_trials into that database)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/DB .venv/bin/python bench/paths.py \
        --study brainbench-2024
    # 1,000,000 trials of 111,112 participants (built by bench/export.py)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/braintrial_bench_export \
        .venv/bin/python bench/paths.py --study bench --repeat 2

Prints the best of ``--repeat`` runs of each, in seconds.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "braintrial.settings")


def best(run: Callable[[], object], repeat: int) -> float:
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    return min(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", required=True, help="slug of the study to read")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    import django

    django.setup()
    from braintrial.analysis.data import items_load, trials_load
    from braintrial.analysis.rules import ExclusionRules
    from braintrial.exports.rows import EXPORT_KINDS
    from braintrial.exports.writers import csv_stream
    from braintrial.studies.models import Study

    study = Study.objects.get(slug=args.study)
    rules = ExclusionRules.from_study(study)
    items = items_load(study=study)
    n_trials = trials_load(study=study, items=items, rules=rules).trial_id.size
    seconds = best(lambda: trials_load(study=study, items=items, rules=rules), args.repeat)
    print(f"{args.study}: analysis loader, {n_trials:,} answered trials: {seconds:.3f} s")
    studies = Study.objects.filter(slug=args.study)
    for name in ("trials", "participants", "items"):

        def export(name: str = name) -> None:
            kind = EXPORT_KINDS[name]
            for _ in csv_stream(kind=kind, studies=studies, include_excluded=True):
                pass

        print(f"{args.study}: export {name}: {best(export, args.repeat):.3f} s")


if __name__ == "__main__":
    main()
