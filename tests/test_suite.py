"""The suite's own settings: a fast password hasher for the tests only, and a test database
that is dropped at the end of the run even while another process holds it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent


def test_passwords_set_in_the_tests_hash_with_the_fast_hasher() -> None:
    assert make_password("a-long-test-password-7").startswith("md5$")


def test_the_app_keeps_djangos_default_hasher() -> None:
    """The fast hasher is the tests' (tests/conftest.py): the settings module names none, so a
    deployment hashes with Django's default, PBKDF2."""
    import braintrial.settings as app_settings

    assert not hasattr(app_settings, "PASSWORD_HASHERS")


@pytest.mark.django_db
@pytest.mark.usefixtures("posts_like_a_browser")
def test_a_login_checks_a_password_hashed_by_the_fast_hasher() -> None:
    user = get_user_model().objects.create_user("quick", password="a-long-test-password-7")
    assert user.password.startswith("md5$")

    def login(password: str) -> int:
        form = {"username": "quick", "password": password}
        return Client().post("/accounts/login/", form).status_code

    assert login("not-the-password") == 200  # the form again
    assert login("a-long-test-password-7") == 302


# A test run whose one test leaves a second process holding a session on its test database.
HELD_RUN = """
import os, subprocess, sys, time

import pytest
from django.db import connection

HOLDER = "import sys, time, psycopg; c = psycopg.connect(sys.argv[1]); time.sleep(120)"


@pytest.mark.django_db(transaction=True)  # each query sees pg_stat_activity anew
def test_another_process_holds_the_test_database() -> None:
    s = connection.settings_dict
    fields = {"dbname": s["NAME"], "user": s["USER"], "password": s["PASSWORD"],
              "host": s["HOST"], "port": s["PORT"]}
    dsn = " ".join(f"{key}={value}" for key, value in fields.items() if value)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, dsn], start_new_session=True)
    with open(os.environ["HOLDER_PID_FILE"], "w") as pid_file:
        pid_file.write(str(holder.pid))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.1)
    raise AssertionError("the second process did not connect")
"""


def _database_exists(name: str) -> bool:
    from django.db import connection

    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


@pytest.mark.slow
@pytest.mark.django_db
def test_a_test_database_another_process_holds_is_dropped_at_the_end(tmp_path: Path) -> None:
    """What `make test` did when a worker process outlived its test: Postgres refused to drop
    the database in use, and the next run found it still there."""
    from django.db import connection

    ours = connection.settings_dict["TEST"]["NAME"]
    held = f"{ours}_held"
    (tmp_path / "conftest.py").write_text("from tests.conftest import *  # noqa: F403\n")
    (tmp_path / "test_held.py").write_text(HELD_RUN)
    env = {
        **os.environ,
        "BRAINTRIAL_TEST_DB_SUFFIX": held.removeprefix("test_braintrial"),
        "HOLDER_PID_FILE": str(tmp_path / "holder.pid"),
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    try:
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
             str(tmp_path), "--ds", "braintrial.settings", "--create-db", "--no-migrations",
             str(tmp_path / "test_held.py")],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        assert "1 passed" in run.stdout
        assert "teardown test databases" not in run.stdout, run.stdout[-3000:]
        assert not _database_exists(held)
    finally:
        pid_file = tmp_path / "holder.pid"
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid_file.read_text()), signal.SIGTERM)
        if _database_exists(held):
            with connection._nodb_cursor() as cursor:
                cursor.execute(f"DROP DATABASE {connection.ops.quote_name(held)} WITH (FORCE)")
