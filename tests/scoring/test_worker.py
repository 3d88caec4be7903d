"""A real Celery worker process (not eager mode) scores runs from Redis and from the embedded
file-system broker, and a run survives `kill -9` of its worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from django.db.models import Count

from scoring.models import ItemScore, ScoreRun
from scoring.services.runs import score_run_create
from scoring.services.scorers import scorer_create
from tests.conftest import REDIS_GROUP
from tests.scoring.helpers import (
    REPO,
    Worker,
    broker_use,
    items_make,
    tiny_scorer,
    wait_for,
    worker_database_url,
)

# The tests flush the Redis database of TEST_REDIS_URL: under xdist they share one worker with
# every other test that does (tests/conftest.py, REDIS_GROUP).
pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group(REDIS_GROUP),
]
WORKER_TIMEOUT = 180.0


def redis_test_url() -> str:
    """TEST_REDIS_URL's database (a run's own: make test sets it; the tests flush it)."""
    return os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_broker() -> Iterator[str]:
    url = redis_test_url()
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is needed for the worker tests at {url}: {exc}")
    client.flushdb()
    with broker_use(url, {"visibility_timeout": 3600}):
        yield url
    client.flushdb()


@pytest.fixture
def workers(transactional_db, tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """Starts worker processes; every one is gone before the test database is flushed."""
    started: list[Worker] = []

    def start(*, broker_url: str, fake_engine_delay_s: float | None = None, **env: str) -> Worker:
        worker = Worker(
            broker_url=broker_url,
            log_path=tmp_path / f"worker-{len(started)}.log",
            env=env,
            fake_engine_delay_s=fake_engine_delay_s,
        )
        worker.start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def filesystem_broker(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The embedded broker: message files in a folder; returns the worker's environment."""
    folder = tmp_path / "broker"
    (folder / "processed").mkdir(parents=True)
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }
    with broker_use("filesystem://localhost/", options):
        yield {"broker_url": "filesystem://localhost/", "CELERY_BROKER_FOLDER": str(folder)}


@pytest.fixture(params=["redis", "filesystem"])
def any_broker(request: pytest.FixtureRequest) -> dict[str, str]:
    if request.param == "redis":
        return {"broker_url": request.getfixturevalue("redis_broker")}
    return request.getfixturevalue("filesystem_broker")


def run_status(run: ScoreRun) -> str:
    run.refresh_from_db()
    return run.status


def assert_one_score_per_item(run: ScoreRun) -> None:
    counts = ItemScore.objects.filter(scorer_id=run.scorer_id).values("item_id")
    per_item = counts.annotate(n=Count("id")).values_list("n", flat=True)
    assert sorted(per_item) == [1] * run.n_total
    assert set(counts.values_list("item_id", flat=True)) == set(
        run.items.values_list("pk", flat=True)
    )


def test_worker_scores_run_end_to_end_and_fails_bad_scorer_clearly(
    redis_broker, workers, tiny_model_dir, settings, tmp_path
):
    settings.SCORING_CHUNK_SIZE = 2
    items_make(5)
    worker = workers(broker_url=redis_broker, SCORING_CHUNK_SIZE="2")
    run = score_run_create(scorer=tiny_scorer(tiny_model_dir))

    wait_for(lambda: run_status(run) == "succeeded", timeout=WORKER_TIMEOUT, what=worker.log())
    assert run.n_done == run.n_total == 5
    assert run.tokens_per_second and run.device_name and run.torch_version
    assert_one_score_per_item(run)

    broken = scorer_create(name="broken", model_source=str(tmp_path / "nothing-here"))
    failed = score_run_create(scorer=broken)
    wait_for(lambda: run_status(failed) == "failed", timeout=60, what=worker.log())
    assert "Bad scorer configuration" in failed.error and "nothing-here" in failed.error
    assert not ItemScore.objects.filter(scorer=broken).exists()


def test_run_finishes_once_after_worker_killed_mid_run(any_broker, workers, settings):
    settings.SCORING_CHUNK_SIZE = 1
    items_make(6)
    # The fake engine takes 1.5 s per item: the kill lands in the middle of a chunk.
    slow = {**any_broker, "SCORING_CHUNK_SIZE": "1", "fake_engine_delay_s": 1.5}
    first = workers(**slow)
    run = score_run_create(scorer=scorer_create(name="fake", model_source="fake/model"))

    def scored() -> int:
        return ItemScore.objects.filter(scorer_id=run.scorer_id).count()

    wait_for(lambda: scored() >= 2, timeout=WORKER_TIMEOUT, what=first.log())
    first.kill()  # SIGKILL, during the 1.5 s pause of the next chunk
    run.refresh_from_db()
    assert run.status == "running" and scored() < 6, first.log()
    killed_log = first.log(tail=10**6)
    assert killed_log.count("] received") > killed_log.count("] succeeded"), "not mid-chunk"

    second = workers(**slow)
    wait_for(lambda: run_status(run) == "succeeded", timeout=WORKER_TIMEOUT, what=second.log())
    assert run.n_done == 6
    assert_one_score_per_item(run)
    # Redis would redeliver only after its visibility timeout (1 h), the file-system broker
    # never: the restarted worker resumed the run.
    assert "Resumed 1 scoring run" in second.log(tail=10**6)


def test_worker_consumes_from_embedded_filesystem_broker(
    filesystem_broker, workers, tiny_model_dir
):
    items_make(2)
    worker = workers(**filesystem_broker)
    run = score_run_create(scorer=tiny_scorer(tiny_model_dir))
    wait_for(lambda: run_status(run) == "succeeded", timeout=WORKER_TIMEOUT, what=worker.log())
    assert_one_score_per_item(run)
    folder = Path(filesystem_broker["CELERY_BROKER_FOLDER"])
    assert not [path for path in folder.iterdir() if path.is_file()]  # every message consumed


def test_foreground_score_stopped_by_sigterm_cancels_its_run(tmp_path):
    """`manage.py score` in a terminal: stopping it cancels the run instead of leaving it
    running (a later worker start would otherwise resume it in the background)."""
    items_make(4)
    scorer_create(name="fake", model_source="fake/model")
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "SCORING_CHUNK_SIZE": "1",
        "FAKE_ENGINE_DELAY_S": "1.5",
    }
    command = ["manage", "score", "--scorer", "fake", "--skip-checks"]
    log = tmp_path / "score.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.scoring.launch", *command],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(lambda: ItemScore.objects.exists(), timeout=WORKER_TIMEOUT, what="a score")
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=60) != 0
        finally:
            if process.poll() is None:
                process.kill()
    run = ScoreRun.objects.get()
    assert run.status == "cancelled", log.read_text()
    assert "cancelled" in log.read_text()
    assert ItemScore.objects.count() < 4


def test_two_workers_score_one_run_together_each_item_once(redis_broker, workers, settings):
    """Many workers, one run: two worker processes (one per GPU in production) take chunks of
    the same run from Redis; no item is scored twice and the run's progress counts both."""
    settings.SCORING_CHUNK_SIZE = 1
    # Two lanes: two chunks of the run in flight, one for each worker.
    settings.SCORING_RUN_LANES = 2
    items_make(8)
    # One item per chunk and 1 s per item: while one worker scores, the other takes the next.
    slow = {
        "broker_url": redis_broker,
        "SCORING_CHUNK_SIZE": "1",
        "SCORING_RUN_LANES": "2",
        "fake_engine_delay_s": 1.0,
    }
    pair = [workers(**slow), workers(**slow)]
    for worker in pair:
        wait_for(lambda w=worker: " ready." in w.log(), timeout=WORKER_TIMEOUT, what=worker.log())
    run = score_run_create(scorer=scorer_create(name="fake", model_source="fake/model"))

    wait_for(
        lambda: run_status(run) == "succeeded",
        timeout=WORKER_TIMEOUT,
        what="\n".join(w.log() for w in pair),
    )
    assert run.n_done == run.n_total == 8
    assert_one_score_per_item(run)
    done = [w.log(tail=10**6).count("scoring.tasks.score_run_chunk[") for w in pair]
    succeeded = [w.log(tail=10**6).count("] succeeded in") for w in pair]
    assert all(count >= 1 for count in succeeded), (done, succeeded)  # both did work
    assert sum(succeeded) == 8  # one chunk per item, each taken by exactly one worker


def test_small_run_starts_within_a_chunk_behind_a_long_run(redis_broker, workers, settings):
    """Fair queue: a 2-item run queued behind a 12-item run on the same worker does not wait
    for the long run; their chunks take turns, so it starts within about one chunk's time."""
    settings.SCORING_CHUNK_SIZE = 1
    items_make(12)
    worker = workers(broker_url=redis_broker, SCORING_CHUNK_SIZE="1", fake_engine_delay_s=1.0)
    wait_for(lambda: " ready." in worker.log(), timeout=WORKER_TIMEOUT, what=worker.log())
    long_run = score_run_create(scorer=scorer_create(name="long", model_source="fake/model"))

    def scored(run: ScoreRun) -> int:
        return ItemScore.objects.filter(scorer_id=run.scorer_id).count()

    wait_for(lambda: scored(long_run) >= 2, timeout=WORKER_TIMEOUT, what=worker.log())
    small = score_run_create(scorer=scorer_create(name="small", model_source="fake/model"), limit=2)
    long_done_when_queued = scored(long_run)
    wait_for(lambda: run_status(small) == "succeeded", timeout=WORKER_TIMEOUT, what=worker.log())
    long_run.refresh_from_db()
    # Scores in the order they were written after the small run was queued: the small run's
    # two items come among the first four (one long chunk may be under way, then turns).
    order = list(
        ItemScore.objects.filter(id__gt=0).order_by("id").values_list("scorer__name", flat=True)
    )[long_done_when_queued:]
    assert order[:4].count("small") == 2, order
    assert long_run.status == "running" and long_run.n_done < 12, order
    wait_for(lambda: run_status(long_run) == "succeeded", timeout=WORKER_TIMEOUT, what="long")
    assert_one_score_per_item(long_run)
    assert_one_score_per_item(small)
