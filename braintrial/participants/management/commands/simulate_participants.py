"""python manage.py simulate_participants: pilot a study with scripted participants.

The bots (braintrial.participants.bots) walk the real HTTP flow, each with its own cookies, from
the landing page to the completion code. Without --base-url the command serves the project
in-process on a free localhost port, so every answer still goes through HTTP, the middleware
and the views. Afterwards it reports completions, failures, throughput and the exposure balance
of the study's items per source (read from the database).
"""

from __future__ import annotations

import random
import secrets
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.db import connections
from django.http.request import validate_host

from braintrial.items.models import Item
from braintrial.participants.bots import Bot, BotResult
from braintrial.participants.selectors import exposure_counts
from braintrial.studies.models import Study

MAX_CONCURRENCY = 100
# Django threads of the in-process server: enough for a 2-core machine, few database connections.
MAX_SERVER_WORKERS = 16


class _QuietHandler(WSGIRequestHandler):
    # Thousands of bot requests would drown the report in access-log lines.
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadedWSGIServer):
    # Wait for the connection threads on close, so none is left running after the command.
    daemon_threads = False
    block_on_close = True


class _BoundedApp:
    """Runs Django on a fixed pool of threads, each keeping one database connection.

    The server starts a thread per client connection; if each ran Django itself, 100 bots
    would hold 100 database connections, the whole of a default Postgres. The connection
    threads only move bytes; requests are answered by at most ``workers`` threads.
    """

    def __init__(self, workers: int) -> None:
        self.app = WSGIHandler()
        self.workers = workers
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="django")

    def _answer(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        started: list[tuple[str, list[tuple[str, str]]]] = []
        written: list[bytes] = []

        def start(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            started.append((status, headers))
            return written.append

        response = self.app(environ, start)
        try:
            body = b"".join([*written, *response])
        finally:
            response.close()  # sends request_finished: the connection is kept or recycled
        return started[0][0], started[0][1], body

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        status, headers, body = self.pool.submit(self._answer, environ).result()
        start_response(status, headers)
        return [body]

    def close(self) -> None:
        """Close the database connection of every pool thread, then the pool."""
        barrier = threading.Barrier(self.workers)

        def close_connections() -> None:
            barrier.wait(timeout=30)  # one task per thread: each waits for all the others
            connections.close_all()

        for future in [self.pool.submit(close_connections) for _ in range(self.workers)]:
            future.result()
        self.pool.shutdown()


@contextmanager
def local_server(*, workers: int) -> Iterator[str]:
    """Serve the project on a free port of 127.0.0.1 in background threads; yields its URL."""
    if not validate_host("127.0.0.1", settings.ALLOWED_HOSTS):
        raise CommandError(
            "ALLOWED_HOSTS does not include 127.0.0.1, so the in-process server would refuse "
            "every request: add it, or pass --base-url of a running server."
        )
    app = _BoundedApp(workers)
    server = _Server(("127.0.0.1", 0), _QuietHandler, allow_reuse_address=False)
    server.set_app(app)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        app.close()


def exposure_by_source(*, study: Study) -> dict[str, tuple[int, int, int]]:
    """Per item source: (number of test items, lowest and highest exposure count)."""
    counts = exposure_counts(study=study)
    sources = dict(Item.objects.filter(pk__in=counts).values_list("pk", "source"))
    by_source: dict[str, list[int]] = {}
    for item_id, n in counts.items():
        by_source.setdefault(sources[item_id], []).append(n)
    return {src: (len(ns), min(ns), max(ns)) for src, ns in sorted(by_source.items())}


class Command(BaseCommand):
    help = (
        "Run N scripted participants through the real HTTP flow of a study (a pilot), then "
        "report completions, failures, requests per second and the exposure balance per source. "
        "Bots answer at once, so the server flags their trials as fast; their recruitment ids "
        "start with 'bot-'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--study", required=True, help="Slug of an open study.")
        parser.add_argument("--n", type=int, required=True, help="Number of participants (>= 1).")
        parser.add_argument(
            "--concurrency", type=int, default=10, help="Participants at the same time (1-100)."
        )
        parser.add_argument(
            "--base-url",
            help="URL of a running server (e.g. http://127.0.0.1:8000); default: serve the "
            "project in-process on a free localhost port.",
        )
        parser.add_argument("--seed", type=int, help="Seed of the bots' answers (reproducible).")
        parser.add_argument(
            "--timeout", type=float, default=60.0, help="Seconds to wait for one response."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        n, concurrency = options["n"], options["concurrency"]
        if n < 1:
            raise CommandError("--n must be at least 1.")
        if not 1 <= concurrency <= MAX_CONCURRENCY:
            raise CommandError(f"--concurrency must be between 1 and {MAX_CONCURRENCY}.")
        if options["timeout"] <= 0:
            raise CommandError("--timeout must be a positive number of seconds.")
        study = Study.objects.filter(slug=options["study"]).first()
        if study is None:
            raise CommandError(f"No study with slug '{options['study']}'.")
        if not study.is_open:
            raise CommandError(
                f"Study '{study.slug}' is closed and accepts no new participants; open it in "
                "the admin to pilot it."
            )
        base_url = options["base_url"]
        if base_url is not None:
            parts = urlsplit(base_url)
            if parts.scheme not in {"http", "https"} or not parts.hostname:
                raise CommandError(f"--base-url must be an http(s) URL, not '{base_url}'.")
        seed = options["seed"] if options["seed"] is not None else secrets.randbits(32)

        workers = min(concurrency, MAX_SERVER_WORKERS)
        server = local_server(workers=workers) if base_url is None else _existing(base_url)
        with server as url:
            where = (
                f"in-process server, {workers} Django threads"
                if base_url is None
                else "running server"
            )
            self.stdout.write(
                f"Simulating {n} participants on study '{study.slug}' at {url} ({where}), "
                f"concurrency {concurrency}, seed {seed}"
            )
            started = time.perf_counter()
            results = run_bots(
                base_url=url,
                study=study,
                n=n,
                concurrency=concurrency,
                seed=seed,
                timeout_s=options["timeout"],
            )
            wall_s = time.perf_counter() - started
        failed = self._report(results, wall_s, study)
        if failed:
            raise CommandError(f"{failed} of {n} simulated participants did not complete.")

    def _report(self, results: list[BotResult], wall_s: float, study: Study) -> int:
        completed = [r for r in results if r.completed]
        failures = Counter(r.error for r in results if not r.completed)
        latencies = sorted(s for r in results for s in r.latencies_s)
        n_requests = len(latencies)
        out = self.stdout.write
        out(f"Completed: {len(completed)} of {len(results)}")
        codes = Counter(r.completion_code or f"(sent to {r.redirected_to})" for r in completed)
        if codes:
            out("Completion: " + ", ".join(f"{c} x{k}" for c, k in codes.most_common(3)))
        out(f"Failed: {sum(failures.values())}")
        for reason, k in failures.most_common(10):
            out(f"  {k} x {reason}")
        if completed:
            answered = statistics.mean(r.trials_answered for r in completed)
            out(f"Main trials answered per completed participant: {answered:g}")
        out(f"Wall time: {wall_s:.1f} s")
        if latencies:
            p50 = latencies[len(latencies) // 2] * 1000
            p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))] * 1000
            out(
                f"Requests: {n_requests}, {n_requests / wall_s:.1f} requests/s, latency "
                f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {latencies[-1] * 1000:.0f} ms"
            )
        out(f"Exposure of the test items of study '{study.slug}' (bank '{study.bank}'):")
        balanced = True
        for source, (n_items, low, high) in exposure_by_source(study=study).items():
            balanced &= high - low <= 1
            out(f"  {source}: {n_items} items, min {low}, max {high}, spread {high - low}")
        out(f"Balanced (spread <= 1 in every source): {'yes' if balanced else 'NO'}")
        return sum(failures.values())


@contextmanager
def _existing(base_url: str) -> Iterator[str]:
    yield base_url.rstrip("/")


def run_bots(
    *, base_url: str, study: Study, n: int, concurrency: int, seed: int, timeout_s: float
) -> list[BotResult]:
    """Run n bots, at most ``concurrency`` at a time; their results in start order."""
    master = random.Random(seed)
    # The recruitment ids must be new on every run (an id takes a study only once), so they
    # come from the system's randomness, not from the seed of the answers.
    run_id = secrets.token_hex(4)
    bots = [
        Bot(
            base_url=base_url,
            slug=study.slug,
            index=i,
            pid=f"bot-{run_id}-{i}",
            rng=random.Random(master.getrandbits(64)),
            prolific=study.prolific_mode,
            timeout_s=timeout_s,
        )
        for i in range(n)
    ]
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="bot") as pool:
        return list(pool.map(Bot.run, bots))
