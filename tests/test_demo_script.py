"""`make demo` (scripts/demo.sh) with stand-ins for Python and Celery: what it prints, which
workers it starts, and that none stays behind when the server stops."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

# manage.py as the demo calls it: demo_setup prints the logins, runserver stops at once.
FAKE_PYTHON = """#!/usr/bin/env bash
case "$2" in
  demo_setup) echo "researcher: demo / secret-password"; echo "  (shown once: note it down)";;
  score) echo "Scoring run 1 queued.";;
  runserver) sleep 0.5; exit 1;;  # as after Ctrl-C
esac
"""
# A worker busy with a long scoring chunk: it ignores the polite stop.
FAKE_CELERY = f"""#!{sys.executable}
import os, signal, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
with open(os.environ["WORKER_LOG"], "a") as log:
    log.write(f"{{os.getpid()}} {{' '.join(sys.argv[1:])}}\\n")
time.sleep(120)
"""


def _executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def _gone(pid: int) -> bool:
    """No such process, not even a defunct one waiting to be reaped."""
    # A defunct process (State: Z) keeps its /proc entry until its parent reaps it.
    return not Path(f"/proc/{pid}").exists()


def test_demo_prints_the_logins_once_runs_two_workers_and_leaves_none_behind(
    tmp_path: Path,
) -> None:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "demo.sh", tmp_path / "scripts" / "demo.sh")
    worker_log = tmp_path / "workers.txt"
    env = {
        **os.environ,
        "PY": str(_executable(tmp_path / "python", FAKE_PYTHON)),
        "CELERY": str(_executable(tmp_path / "celery", FAKE_CELERY)),
        "WORKER_LOG": str(worker_log),
    }
    # In its own session, as `make demo` runs in a terminal of its own.
    done = subprocess.run(
        ["bash", str(tmp_path / "scripts" / "demo.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
    )
    assert done.stdout.count("(shown once: note it down)") == 1, done.stdout
    workers = [line.split(" ", 1) for line in worker_log.read_text().splitlines()]
    queues = sorted(args.split("-Q ", 1)[1].split()[0] for _, args in workers)
    assert queues == ["reports", "scoring"], "reports never wait behind a scoring chunk"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not all(_gone(int(pid)) for pid, _ in workers):
        time.sleep(0.1)
    left = [pid for pid, _ in workers if not _gone(int(pid))]
    for pid in left:  # clean up after a failure
        os.kill(int(pid), 9)
    assert left == [], "a worker stayed behind after the server stopped"


def test_compose_runs_a_worker_for_each_queue() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    queues = []
    for service in services.values():
        command = service.get("command") or []
        if "worker" in command and "-Q" in command:
            queues.append(command[command.index("-Q") + 1])
    assert "scoring" in queues and "reports" in queues
    assert all("," not in q for q in queues), "no worker shares reports with scoring"
