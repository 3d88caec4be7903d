"""Pilot runs: scripted participants (braintrial.pilots.bots) against a server.

Without a URL, local_server starts gunicorn on a free localhost port, against this process's
database, so every answer goes through HTTP, the middleware and the views of a real server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.http.request import validate_host

from braintrial.pilots.bots import Bot, bots_make
from braintrial.pilots.runs import BotResult, Mix
from braintrial.studies.models import Study

MAX_CONCURRENCY = 100
# gunicorn's threads: enough for a 2-core machine, few database connections (one per thread).
MAX_SERVER_WORKERS = 16
SERVER_START_S = 60


def database_url(database: dict[str, Any]) -> str:
    """The URL of the database this process uses (its test database, in a test), for a server
    process to use the same."""
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{database['NAME']}"
    user = database.get("USER") or ""
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    login = f"{user}{password}@" if user else ""
    host = database.get("HOST") or "localhost"
    port = f":{database['PORT']}" if database.get("PORT") else ""
    return f"postgres://{login}{host}{port}/{database['NAME']}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url + "/accounts/login/", timeout=2).close()
    except urllib.error.HTTPError:
        return True  # it answered
    except OSError:
        return False
    return True


@contextmanager
def local_server(*, workers: int) -> Iterator[str]:
    """gunicorn (one process, ``workers`` threads) on a free port of 127.0.0.1, serving this
    project against this process's database; yields its URL, stops it afterwards."""
    if not validate_host("127.0.0.1", settings.ALLOWED_HOSTS):
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS does not include 127.0.0.1, so the local server would refuse "
            "every request: add it, or pass --base-url of a running server."
        )
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    root = Path(settings.BASE_DIR)
    env = {**os.environ, "DATABASE_URL": database_url(connection.settings_dict)}
    # Plain http on loopback, faced by the bots themselves: no redirect to https, no proxy
    # headers to trust, and cookies not marked Secure, which a client other than a browser on
    # localhost (the bots' standard cookie jar) would keep to itself over http.
    env |= {"HTTPS": "0", "TLS_PROXY": "0", "NUM_PROXIES": "0", "SECURE_COOKIES": "0"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "gunicorn", "braintrial.wsgi:application"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", str(workers)]
    command += ["--chdir", str(root), "--log-level", "warning"]  # no access log: one per request
    server = subprocess.Popen(command, env=env, cwd=root)
    try:
        deadline = time.monotonic() + SERVER_START_S
        while not _answers(url):
            if server.poll() is not None or time.monotonic() > deadline:
                raise ImproperlyConfigured(f"gunicorn did not start on {url}.")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()  # graceful: requests under way are answered, connections closed
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


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
