"""Benchmark: the study page's data with 100,000 trials and 30 scorers.

Builds (once) a made-up study in its own Postgres database, braintrial_bench on the server that
DATABASE_URL names (override with BENCH_DATABASE_NAME), then times the page data: cold (nothing
cached), warm (report cached, figures rebuilt: a page load) and a poll that finds the data
unchanged. Target: cold <= 0.5 s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/dashboard.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "braintrial.settings")

N_TRIALS = int(os.environ.get("BENCH_TRIALS", 100_000))
N_SCORERS = int(os.environ.get("BENCH_SCORERS", 30))
N_HUMAN_ITEMS, N_GPT4_ITEMS = 200, 100
SECTIONS = [
    "Behavioral/Cognitive",
    "Cellular/Molecular",
    "Development/Plasticity/Repair",
    "Neurobiology of Disease",
    "Systems/Circuits",
]
SLUG = "bench-dashboard"


def bench_database() -> str:
    """Point Django at the bench database, creating it on the server if needed."""
    import dj_database_url
    import psycopg

    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    name = os.environ.get("BENCH_DATABASE_NAME", "braintrial_bench")
    config = dj_database_url.parse(url)
    conninfo = dict(
        host=config["HOST"],
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        dbname=config["NAME"],
    )
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
    return name


def _reusable() -> bool:
    """True when the bench study exists at the sizes asked for; exits when it exists at others."""
    from braintrial.participants.models import Trial
    from braintrial.studies.models import Study
    from scoring.models import Scorer

    study = Study.objects.filter(slug=SLUG).first()
    if study is None:
        return False
    n_trials = Trial.objects.filter(participant__study=study).count()
    n_scorers = Scorer.objects.filter(name__startswith="bench-").count()
    if (n_trials, n_scorers) != (N_TRIALS, N_SCORERS):
        sys.exit(f"Study {SLUG} exists with other sizes: drop the bench database and rerun.")
    return True


def build(rng_seed: int = 7) -> None:
    import numpy as np
    from django.utils import timezone

    from braintrial.items.models import Item
    from braintrial.participants.models import Participant, Trial
    from braintrial.studies.models import Study
    from scoring.models import ItemScore, Scorer

    if _reusable():
        print(f"Reusing the bench data set ({N_TRIALS:,} trials, {N_SCORERS} scorers).")
        return
    t0 = time.perf_counter()
    rng = np.random.default_rng(rng_seed)
    study = Study.objects.create(slug=SLUG, title="Benchmark study", bank="bench")
    items = []
    for source, count in ((Item.Source.HUMAN, N_HUMAN_ITEMS), (Item.Source.GPT4, N_GPT4_ITEMS)):
        for row in range(1, count + 1):
            items.append(
                Item(
                    bank="bench",
                    source=source,
                    source_file=f"bench_{source}.csv",
                    row=row,
                    abstract_id=row,
                    doi=f"10.0/bench.{row}",
                    journal_section=SECTIONS[row % 5],
                    original=f"Original abstract {source} {row}.",
                    altered=f"Altered abstract {source} {row}.",
                )
            )
    items = Item.objects.bulk_create(items)
    human = [item for item in items if item.source == Item.Source.HUMAN]
    gpt4 = [item for item in items if item.source == Item.Source.GPT4]
    difficulty = {item.pk: rng.uniform(0.35, 0.9) for item in items}

    per_person = study.n_trials
    n_people = -(-N_TRIALS // per_person)
    now = timezone.now()
    positions = [
        "Doctoral student",
        "Postdoctoral researcher",
        "Faculty/Academic staff",
        "Research scientist",
        "Predoctoral student",
    ]
    people = Participant.objects.bulk_create(
        [
            Participant(
                study=study,
                status=Participant.Status.COMPLETED,
                position=positions[i % len(positions)],
                age=25 + i % 40,
                completed_at=now - timedelta(minutes=n_people - i),
                flag_failed_catch=rng.random() < 0.03,
                flag_no_slider=rng.random() < 0.02,
                flag_outside_help=rng.random() < 0.01,
            )
            for i in range(n_people)
        ],
        batch_size=5000,
    )
    trials = []
    for i, person in enumerate(people):
        chosen = [*rng.choice(human, 6, replace=False), *rng.choice(gpt4, 3, replace=False)]
        for position, item in enumerate(chosen, start=1):
            if len(trials) >= N_TRIALS:
                break
            correct = bool(rng.random() < difficulty[item.pk])
            rt = int(rng.integers(2000, 120_000))
            answered = now - timedelta(minutes=n_people - i, seconds=60 * (9 - position))
            trials.append(
                Trial(
                    participant=person,
                    item=item,
                    position=position,
                    kind=Item.Kind.TEST,
                    original_is_a=bool(rng.random() < 0.5),
                    shown_at=answered,
                    answered_at=answered,
                    choice="A",
                    correct=correct,
                    confidence=int(rng.integers(1, 101)),
                    expertise=int(rng.integers(1, 101)),
                    recognised=rng.random() < 0.02,
                    rt_server_ms=rt,
                    rt_client_ms=rt,
                    flag_recognised=False,
                    flag_fast=rt < 5000,
                    confidence_moved=True,
                    expertise_moved=True,
                )
            )
    trials_by_batch = 10_000
    for start in range(0, len(trials), trials_by_batch):
        Trial.objects.bulk_create(trials[start : start + trials_by_batch])
    scorers = Scorer.objects.bulk_create(
        [
            Scorer(name=f"bench-{n:02d}", display_name=f"Bench model {n:02d}", is_published=True)
            for n in range(N_SCORERS)
        ]
    )
    scores = []
    for n, scorer in enumerate(scorers):
        skill = 0.55 + 0.3 * n / max(N_SCORERS - 1, 1)
        for item in items:
            ppl_o = float(rng.uniform(5, 30))
            ppl_a = ppl_o * float(np.exp(rng.normal(skill - 0.5, 0.3)))
            scores.append(
                ItemScore(
                    scorer=scorer,
                    item=item,
                    ppl_original=ppl_o,
                    ppl_altered=ppl_a,
                    correct=ppl_o < ppl_a,
                    confidence=abs(ppl_o - ppl_a),
                )
            )
    ItemScore.objects.bulk_create(scores, batch_size=10_000)
    print(f"Built the bench data set in {time.perf_counter() - t0:.1f} s.")


def measure() -> None:
    from django.core.cache import cache

    from braintrial.analysis.selectors import study_report
    from braintrial.dashboard import charts
    from braintrial.dashboard.services import study_page_data
    from braintrial.studies.models import Study

    study = Study.objects.get(slug=SLUG)
    study_report(study=study)  # warm up imports and connections, not the cache

    def timed(fn, repeat: int) -> list[float]:
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return times

    def cold() -> None:
        cache.clear()
        study_page_data(study=study)

    report_times = timed(lambda: study_report(study=study), 5)
    report = study_report(study=study)
    chart_times = timed(lambda: charts.figures_from_report(report=report), 5)
    cpu = time.process_time()
    cold_times = timed(cold, 5)
    cold_cpu = (time.process_time() - cpu) / 5
    warm_times = timed(lambda: study_page_data(study=study), 20)
    version = study_page_data(study=study)["version"]
    poll_times = timed(lambda: study_page_data(study=study, since=version), 20)
    print(f"study_report (analysis):           median {statistics.median(report_times):.3f} s")
    print(f"charts.figures_from_report:        median {statistics.median(chart_times):.3f} s")
    print(
        f"page data, cold (cache cleared):   median {statistics.median(cold_times):.3f} s, "
        f"max {max(cold_times):.3f} s"
    )
    print(
        f"page data, warm (report cached):   median {statistics.median(warm_times) * 1000:.1f} ms"
    )
    print(
        f"poll, data unchanged (?since=):    median {statistics.median(poll_times) * 1000:.1f} ms"
    )
    print(
        f"page data, cold: {cold_cpu:.3f} s of this process's CPU per call (the rest: Postgres, "
        f"waiting for a core); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    verdict = "PASS" if statistics.median(cold_times) <= 0.5 else "FAIL"
    print(f"{verdict}: target <= 0.5 s cold with {N_TRIALS:,} trials and {N_SCORERS} scorers")


def main() -> None:
    name = bench_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    print(f"Database {name}.")
    build()
    from django.db import connection

    # Fresh bulk-loaded tables have no planner statistics until autovacuum gets to them; without
    # them Postgres picks nested loops and the same queries take orders of magnitude longer.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    measure()


if __name__ == "__main__":
    main()
