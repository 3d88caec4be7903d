"""Helpers for the scoring tests: items, scorers, real Celery worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings

from braintrial.items.models import Item
from scoring.models import Scorer, ScoreRun
from scoring.services.chunks import score_run_chunk_process
from scoring.services.runs import score_run_missing_chunks
from scoring.services.scorers import scorer_create
from tests.factories import item_make

REPO = Path(__file__).resolve().parents[2]
TEST_BANK = "scoring-test"

_SENTENCES = [
    "Neurons in the hippocampus fire in sequences during sleep and these replay events predict "
    "memory.",
    "Dopamine release in the striatum increased after reward, whereas it decreased after omission.",
    "Inhibition of parvalbumin interneurons impaired gamma oscillations and working memory.",
    "The amygdala responded more strongly to fearful faces than to neutral faces.",
    "Cerebellar Purkinje cells encode motor errors during learning in mice.",
]


def items_make(count: int, *, bank: str = TEST_BANK) -> list[Item]:
    """Test items with different lengths; the altered version changes the result."""
    items = []
    for index in range(count):
        background = " ".join(_SENTENCES[: 1 + index % len(_SENTENCES)])
        items.append(
            item_make(
                bank=bank,
                row=index + 1,
                source_file="scoring-test.csv",
                original=f"{background} Results: the effect was larger in group {index}.",
                altered=f"{background} Results: the effect was smaller in group {index}, "
                "not larger.",
            )
        )
    return items


def tiny_scorer(model_dir: Path, *, name: str = "tiny", **config: Any) -> Scorer:
    return scorer_create(name=name, model_source=str(model_dir), device="cpu", **config)


def run_in_process(run: ScoreRun) -> ScoreRun:
    """Process every chunk of a run here, as the score command does."""
    for item_ids in score_run_missing_chunks(run=run):
        score_run_chunk_process(run_id=run.pk, item_ids=item_ids)
    run.refresh_from_db()
    return run


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def worker_database_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


class Worker:
    """A real `celery worker` process on the scoring queue, reading the test database.

    With ``fake_engine_delay_s`` it starts through tests/scoring/launch.py and scores with the
    fake engine, pausing that long per item; otherwise it loads real models.
    """

    def __init__(
        self,
        *,
        broker_url: str,
        log_path: Path,
        env: dict[str, str],
        fake_engine_delay_s: float | None = None,
    ) -> None:
        self.broker_url = broker_url
        self.log_path = log_path
        self.env = env
        self.fake_engine_delay_s = fake_engine_delay_s
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": worker_database_url(),
            "CELERY_BROKER_URL": self.broker_url,
            "HF_HUB_OFFLINE": "1",
            "PYTHONUNBUFFERED": "1",
            **self.env,
        }
        env.pop("REDIS_URL", None)
        start = [sys.executable, "-m", "celery"]
        if self.fake_engine_delay_s is not None:
            start = [sys.executable, "-m", "tests.scoring.launch", "celery"]
            env["FAKE_ENGINE_DELAY_S"] = str(self.fake_engine_delay_s)
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child process writes to it
        self.process = subprocess.Popen(
            [
                *start,
                "-A",
                "braintrial",
                "worker",
                "-Q",
                "scoring",
                "--pool",
                "solo",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"scoring-test-{os.getpid()}-{time.monotonic_ns()}@%h",
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, unacknowledged messages stay where they are."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self, *, tail: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-tail:]


@contextmanager
def broker_use(url: str, transport_options: dict[str, Any]) -> Iterator[None]:
    """Point this process's Celery app (the one the services enqueue with) at a test broker."""
    from braintrial.celery import app

    old = (app.conf.broker_url, app.conf.broker_transport_options)

    def reset(url: str, options: dict[str, Any]) -> None:
        # Only drop the references: kombu keeps one pool per broker URL for the process, and
        # closing it would break the next test that uses the same URL.
        app._pool = None
        app.amqp._producer_pool = None
        app.conf.broker_url = url
        app.conf.broker_transport_options = options

    reset(url, transport_options)
    try:
        yield
    finally:
        reset(*old)
