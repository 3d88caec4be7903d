"""Benchmark: export 1,000,000 trials as CSV; print rows/s and peak memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/export.py

Builds the data once in its own database (``braintrial_bench_export`` on the server of
DATABASE_URL; ``--rebuild`` starts over) with COPY, then runs each export in a fresh process so
that its peak RSS (getrusage ru_maxrss) is the export's own. Targets: >= 100,000 rows/s and peak
RSS < 200 MB for the trials file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = os.environ.get("BENCH_EXPORT_DB", "braintrial_bench_export")  # one per parallel checkout
N_TRIALS = 1_000_000
TRIALS_PER_PARTICIPANT = 9
N_ITEMS = 300


def bench_url(base_url: str, name: str) -> str:
    parts = urlsplit(base_url)
    return urlunsplit(parts._replace(path="/" + name))


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "braintrial.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def drop_database(base_url: str) -> None:
    import psycopg

    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def create_database(base_url: str, rebuild: bool) -> bool:
    """Create the bench database (dropping it first with ``rebuild``); False when it already
    existed, whatever it holds: main() checks that."""
    import psycopg

    with psycopg.connect(base_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone()
        if exists and not rebuild:
            return False
        if exists:
            conn.execute(f'DROP DATABASE "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    return True


def copy_rows(cursor, model, rows) -> None:  # type: ignore[no-untyped-def]
    """COPY ``rows`` (dicts) into ``model``'s table; missing fields take the field default, and
    fields with a database default (``db_default``) are left to the database."""
    from django.db.models import NOT_PROVIDED

    fields = [
        f for f in model._meta.concrete_fields if not f.primary_key and f.db_default is NOT_PROVIDED
    ]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    defaults = {f.attname: f.get_default() for f in fields}
    with cursor.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row.get(f.attname, defaults[f.attname]) for f in fields])


def trial_count() -> int:
    """Migrate a reused bench database to the current schema; how many trials it holds."""
    from django.core.management import call_command

    from braintrial.participants.models import Trial

    call_command("migrate", verbosity=0, skip_checks=True)
    return Trial.objects.count()


def build() -> None:
    from django.core.management import call_command
    from django.db import connection

    from braintrial.items.models import Item
    from braintrial.participants.models import Participant, Trial
    from braintrial.studies.models import Study

    call_command("migrate", verbosity=0, skip_checks=True)
    rng = random.Random(5)
    now = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)
    study = Study.objects.create(slug="bench", title="Export benchmark", bank="bench")
    sections = [
        "Behavioral/Cognitive",
        "Cellular/Molecular",
        "Development/Plasticity/Repair",
        "Neurobiology of Disease",
        "Systems/Circuits",
    ]
    items = Item.objects.bulk_create(
        Item(
            bank="bench",
            source="human" if i < 200 else "gpt4",
            source_file="bench.csv",
            row=i + 1,
            abstract_id=(i % 200) + 1,
            doi=f"10.1523/JNEUROSCI.{i:04d}-22.2023",
            journal_section=sections[i % 5],
            original=f'Original abstract {i}, with "quotes".',
            altered=f"Altered abstract {i}\nsecond line",
        )
        for i in range(N_ITEMS)
    )
    item_ids = [item.pk for item in items]
    n_participants = N_TRIALS // TRIALS_PER_PARTICIPANT + 1
    countries = ["United Kingdom", "Germany", '=HYPERLINK("x")', "Côte d'Ivoire", "China"]
    positions = ["Doctoral student", "Postdoctoral researcher", "Faculty/Academic staff", "__other"]
    with connection.cursor() as cursor:
        raw = cursor.cursor
        copy_rows(
            raw,
            Participant,
            (
                {
                    "study_id": study.pk,
                    "public_id": uuid.UUID(int=rng.getrandbits(128), version=4),
                    "status": "completed",
                    "gender": "Female",
                    "age": 25 + p % 40,
                    "country": countries[p % 5],
                    "position": positions[p % 4],
                    "experience_years": p % 30,
                    "started_at": now,
                    "last_seen_at": now,
                    "completed_at": now,
                    "recruitment_id": f"R{p}",
                    "recruitment_source": "pid",
                }
                for p in range(n_participants)
            ),
        )
        cursor.execute(
            "SELECT id FROM participants_participant WHERE study_id = %s ORDER BY id", [study.pk]
        )
        participant_ids = [row[0] for row in cursor.fetchall()]

        def trials():  # type: ignore[no-untyped-def]
            for n in range(N_TRIALS):
                pid = participant_ids[n // TRIALS_PER_PARTICIPANT]
                shown = now + dt.timedelta(seconds=n)
                rt = rng.randint(3000, 120000)
                yield {
                    "participant_id": pid,
                    "item_id": item_ids[n % N_ITEMS],
                    "position": n % TRIALS_PER_PARTICIPANT + 1,
                    "kind": "test",
                    "original_is_a": n % 2 == 0,
                    "shown_at": shown,
                    "answered_at": shown + dt.timedelta(milliseconds=rt),
                    "choice": "AB"[n % 2],
                    "correct": rng.random() < 0.63,
                    "confidence": rng.randint(1, 100),
                    "expertise": rng.randint(1, 100),
                    "recognised": n % 50 == 0,
                    "rt_server_ms": rt,
                    "rt_client_ms": rt - 40,
                    "blur_count": int(n % 7 == 0),
                    "confidence_moved": True,
                    "expertise_moved": True,
                    "flag_recognised": n % 50 == 0,
                    "flag_fast": rt < 5000,
                }

        copy_rows(raw, Trial, trials())
        cursor.execute("ANALYZE")


def measure(kind_name: str, include_excluded: bool) -> dict[str, object]:
    from braintrial.exports.rows import EXPORT_KINDS
    from braintrial.exports.writers import csv_stream
    from braintrial.studies.models import Study

    kind = EXPORT_KINDS[kind_name]
    studies = Study.objects.filter(slug="bench")
    rows = kind.base_queryset(studies, include_excluded, None).count()
    start = time.perf_counter()
    n_bytes = n_chunks = 0
    for chunk in csv_stream(kind=kind, studies=studies, include_excluded=include_excluded):
        n_bytes += len(chunk)
        n_chunks += 1
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "kind": kind_name,
        "include_excluded": include_excluded,
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        "mb": round(n_bytes / 1e6, 1),
        "chunks": n_chunks,
        "peak_rss_mb": round(peak_kib / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="drop and rebuild the data")
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "INCLUDE"), help=argparse.SUPPRESS)
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--count", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    url = bench_url(base_url, BENCH_DB)
    if args.build:
        setup_django(url)
        build()
        return
    if args.count:
        setup_django(url)
        print(trial_count())
        return
    if args.measure:
        setup_django(url)
        kind_name, include = args.measure
        print(json.dumps(measure(kind_name, include == "1")))
        return
    fresh = create_database(base_url, args.rebuild)
    if not fresh:
        out = subprocess.run(
            [sys.executable, __file__, "--count"], capture_output=True, text=True, check=True
        )
        held = int(out.stdout.strip().splitlines()[-1])
        if held != N_TRIALS:
            print(f"{BENCH_DB} holds {held:,} trials, not {N_TRIALS:,}: rebuilding")
            fresh = create_database(base_url, rebuild=True)
    if fresh:
        print(f"Building {N_TRIALS:,} trials in {BENCH_DB} ...", flush=True)
        start = time.perf_counter()
        try:
            subprocess.run([sys.executable, __file__, "--build"], check=True)
        except subprocess.CalledProcessError:
            drop_database(base_url)  # never reuse a half-built data set
            raise SystemExit(
                "Building the bench data failed (see above); nothing was kept."
            ) from None
        print(f"built in {time.perf_counter() - start:.1f} s")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} CPUs, load average {load} (other processes slow the figures down)")
    out = subprocess.run(
        [sys.executable, __file__, "--measure", "trials", "1"],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    ok = result["rows_per_s"] >= 100_000 and result["peak_rss_mb"] < 200
    print(
        f"trials: {result['rows']:,} rows in {result['seconds']} s = "
        f"{result['rows_per_s']:,} rows/s, {result['mb']} MB in {result['chunks']} chunks, "
        f"peak RSS {result['peak_rss_mb']} MB  [{'meets' if ok else 'misses'} target]"
    )


if __name__ == "__main__":
    main()
