"""Shared fixtures. Tests run on real Postgres (see Makefile: make test)."""

from __future__ import annotations

import fcntl
import hashlib
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from braintrial.analysis.selectors import study_report
from braintrial.brainbench.names import STUDY_SLUG
from braintrial.items.models import Item
from braintrial.participants.models import Participant, Trial
from braintrial.studies.models import Study
from scoring.models import ItemScore, Scorer

# Property-based tests (tests/dashboard/test_degenerate_studies.py, and the API fuzzing of
# tests/api/test_schema.py per operation): a few examples in `make test`, more on demand
# (HYPOTHESIS_PROFILE=thorough). Each degenerate-study example builds a study in the database and
# computes its whole report with the model fits (8 examples took 310 s on the loaded 2-core
# machine), so no per-example deadline. Four a run, not eight: no example database and no fixed
# seed, so each run draws new shapes (Hypothesis tries the boundaries, such as no participants,
# early), and the runs together cover what one run of eight did.
hypothesis_settings.register_profile(
    "fast",
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
hypothesis_settings.register_profile(
    "thorough",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))

ROOT = Path(__file__).resolve().parent.parent
# `make test` runs the suite on several xdist workers (--dist loadgroup), each with its own test
# database (pytest-django adds _gw0, _gw1, ...) and its own ports (each server asks the kernel for
# a free one). There is one Redis database, TEST_REDIS_URL's: the tests that flush it are marked
# xdist_group(REDIS_GROUP), and so are the tests that start a Celery worker on the shared queues
# (two at once would take each other's tasks): they run one at a time (the lock below).
REDIS_GROUP = "redis"


@pytest.fixture(autouse=True)
def _redis_group_one_at_a_time(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test marked xdist_group(REDIS_GROUP) holds a lock on TEST_REDIS_URL's database for its
    whole run (set-up, with its flush and its workers, to tear-down), so no two run at once
    whichever xdist worker the scheduler gives them to. Autouse, so it is set up before the
    test's own fixtures."""
    group = request.node.get_closest_marker("xdist_group")
    name = None if group is None else group.args[0] if group.args else group.kwargs.get("name")
    if name != REDIS_GROUP:
        yield
        return
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    name = f"braintrial-tests-redis-{hashlib.sha256(url.encode()).hexdigest()[:12]}.lock"
    with open(Path(tempfile.gettempdir()) / name, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


OUTPUT_DIR = ROOT / "test-output"
FORM = "application/x-www-form-urlencoded"


def pytest_configure(config: pytest.Config) -> None:
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine.endswith("sqlite3") and not os.environ.get("BRAINTRIAL_ALLOW_SQLITE_TESTS"):
        raise pytest.UsageError(
            "The test suite runs on Postgres: set DATABASE_URL or use 'make test'."
        )
    # No worker consumes the reports queue during the tests: pages compute their reports in
    # the request, except in the tests of the background computation, which switch it on.
    settings.DASHBOARD_BACKGROUND_REPORTS = False
    # Logins hash with MD5 in the tests only: PBKDF2's deliberate cost (about 0.3 s a hash)
    # would be paid by every test that sets a password. The app keeps Django's default.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def output_dir() -> Path:
    """Folder for artefacts a test leaves for people to look at (screenshots)."""
    OUTPUT_DIR.mkdir(exist_ok=True)
    return OUTPUT_DIR


@pytest.fixture
def brainbench_dir() -> Path:
    path = Path(settings.BRAINBENCH_DIR)
    if not (path / "BrainBench_Human_v0.1.csv").exists():
        pytest.fail(f"BrainBench data not found at {path} (set BRAINBENCH_DIR)")
    return path


@pytest.fixture(scope="module")
def published(request: pytest.FixtureRequest, django_db_setup: Any, django_db_blocker: Any) -> Any:
    """Items, published trials and published model scores, imported once for the module, and
    the study's report for a module marked ``published_report`` (the report is most of the
    fixture's time, and most modules never read it).

    The imports commit outside the per-test transactions, so everything they added is deleted
    afterwards (rows that existed before, such as built-in items, are left alone).
    """
    with django_db_blocker.unblock():
        items_before = set(Item.objects.values_list("pk", flat=True))
        scorers_before = set(Scorer.objects.values_list("pk", flat=True))
        call_command("import_brainbench", stdout=io.StringIO())
        out = io.StringIO()
        call_command("import_published_trials", stdout=out)
        call_command("import_published_scores", stdout=io.StringIO())
        study = Study.objects.get(slug=STUDY_SLUG)
        imported = {"study": study, "output": out.getvalue()}
        if request.node.get_closest_marker("published_report") is not None:
            # Before any test of the module runs: the report of the published data as imported.
            imported["report"] = study_report(study=study)
        yield imported
        Trial.objects.filter(participant__study=study).delete()
        Participant.objects.filter(study=study).delete()
        study.delete()
        Scorer.objects.exclude(pk__in=scorers_before).delete()
        ItemScore.objects.exclude(item_id__in=items_before).delete()
        Item.objects.exclude(pk__in=items_before).delete()


@pytest.fixture
def posts_like_a_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    """Post forms url-encoded, as browsers do; Django's test client would send multipart,
    which participant and login pages refuse (braintrial.security.FormOnlyMiddleware)."""
    original = Client.post

    def post(self: Client, path: str, data: Any = None, content_type: str = FORM, **extra: Any):
        if content_type == FORM and isinstance(data, dict):
            data = urlencode(data, doseq=True)
        return original(self, path, data, content_type, **extra)

    monkeypatch.setattr(Client, "post", post)


@pytest.fixture(scope="session")
def django_db_setup(
    django_db_setup: None, django_db_blocker: Any, django_db_keepdb: bool
) -> Iterator[None]:
    """pytest-django's test database, dropped at the end even while another process holds a
    session on it (a worker a test started, a server's thread): Postgres refuses to drop a
    database in use, and pytest-django would only warn and leave it behind."""
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            held_database_release()


def held_database_release() -> None:
    """Refuse new sessions to the test database and end every open one, this process's too
    (Django's teardown then drops it from the server's maintenance database)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    name = connection.settings_dict["NAME"]
    connection.close()
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"ALTER DATABASE {connection.ops.quote_name(name)} ALLOW_CONNECTIONS false")
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
