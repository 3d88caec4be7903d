"""Pilot runs: scripted participants (braintrial.pilots.bots) against a server.

Without a URL, local_server serves the project in-process on a free localhost port, so every
answer still goes through HTTP, the middleware and the views.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.db import connections
from django.http.request import validate_host

from braintrial.pilots.bots import Bot, bots_make
from braintrial.pilots.runs import BotResult, Mix
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
        raise ImproperlyConfigured(
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


@contextmanager
def existing_server(base_url: str) -> Iterator[str]:
    """A server that runs already: its URL, as local_server yields its own."""
    yield base_url.rstrip("/")


def bots_run(
    *,
    base_url: str,
    study: Study,
    n: int,
    concurrency: int,
    seed: int,
    timeout_s: float,
    mix: Mix | None = None,
) -> list[BotResult]:
    """Run n bots, at most ``concurrency`` at a time, each on a thread of its own with an
    httpx client; their results in start order. ``mix`` adds reloads, double sends and
    back-button re-posts (none by default)."""
    bots = bots_make(
        base_url=base_url,
        slug=study.slug,
        prolific=study.prolific_mode,
        n=n,
        seed=seed,
        timeout_s=timeout_s,
        mix=mix,
    )
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="bot") as pool:
        return list(pool.map(Bot.run, bots))
