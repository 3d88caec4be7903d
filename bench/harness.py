"""Servers for the load and fault benchmarks, all on loopback: gunicorn serving a checkout of
braintrial, and a private Postgres cluster or Redis server that a fault script may stop, kill
or restart without touching the machine's own.

    with Gunicorn(code=ROOT, database_url=url, workers=5) as web:
        ...  # web.url, web.worker_pids(), web.kill_worker()
    with PrivatePostgres() as pg, PrivateRedis() as redis:
        ...  # pg.url("bench"), pg.restart(), redis.url(0), redis.stop(), redis.start()

Each waits until it answers before returning and is stopped on exit, whatever happened.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_SECRET_KEY = "bench-only-secret-key-not-for-production-use-0123456789"


_handed_out: set[int] = set()


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now; within BENCH_PORTS
    (``first-last``) where set, for a machine whose ports are shared out."""
    first, _, last = os.environ.get("BENCH_PORTS", "0-0").partition("-")
    for port in range(int(first), int(last or first) + 1):
        if port in _handed_out:  # handed to a server that may not listen yet
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            if port:
                _handed_out.add(port)
            return int(sock.getsockname()[1])
    raise OSError(f"no free port in BENCH_PORTS={os.environ['BENCH_PORTS']}")


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


def cpu_seconds(*, pids: list[int] | None = None, name: str | None = None) -> float | None:
    """User + system CPU seconds used so far by the processes ``pids``, or by every process
    called ``name`` (e.g. "postgres": the server and its backends); None where /proc is not
    there to read (not Linux). Take the difference of two readings around a run."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    if name is not None:
        pids = [int(p.name) for p in proc.iterdir() if p.name.isdigit() and _name(p) == name]
    ticks = 0
    for pid in pids or []:
        with contextlib.suppress(OSError):
            fields = (proc / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
            # utime, stime, and those of its children that ended (a backend or worker that
            # closed during the run is counted in its parent's)
            ticks += sum(int(f) for f in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def _name(process: Path) -> str:
    try:
        return (process / "comm").read_text().strip()
    except OSError:
        return ""


def _wait(ready: Any, what: str, timeout_s: float, process: subprocess.Popen | None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode} while starting")
        if ready():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} was not ready after {timeout_s:.0f} s")


class _Service:
    def __enter__(self) -> Any:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: Any, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError


class Gunicorn(_Service):
    """gunicorn serving the checkout at ``code`` (its own braintrial package and templates) on a
    free loopback port, against ``database_url`` and, if given, ``redis_url``. It serves plain
    http, so its cookies are not marked Secure (the load clients' cookie jars would keep them to
    themselves); ``extra_env`` may say otherwise."""

    def __init__(
        self,
        *,
        code: Path,
        database_url: str,
        redis_url: str = "",
        workers: int = 2 * (os.cpu_count() or 1) + 1,
        options: tuple[str, ...] = (),
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.code, self.workers, self.options = Path(code), workers, options
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = Path(tempfile.mkstemp(prefix="bt_gunicorn_", suffix=".log")[1])
        self.env = {
            **os.environ,
            "PYTHONPATH": str(self.code),
            "DJANGO_SETTINGS_MODULE": "braintrial.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": BENCH_SECRET_KEY,
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            "SECURE_COOKIES": "0",
            **(extra_env or {}),
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "gunicorn", "braintrial.wsgi:application"]
        command += ["--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers)]
        command += ["--chdir", str(self.code), "--timeout", "60", "--error-logfile", str(self.log)]
        command += self.options
        self.process = subprocess.Popen(command, env=self.env, cwd=self.code)
        _wait(self._answers, "gunicorn", 60, self.process)

    def _answers(self) -> bool:
        try:
            urllib.request.urlopen(self.url + "/accounts/login/", timeout=2).close()
            return True
        except urllib.error.HTTPError:
            return True  # it answered
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        """Process ids of the workers (children of the master) right now."""
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def kill_worker(self) -> int:
        """SIGKILL one worker, as the kernel's OOM killer would; the master starts another."""
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # gunicorn: graceful shutdown of the workers
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def _as_postgres(command: list[str]) -> list[str]:
    # initdb refuses to run as root: as root, run the cluster as the postgres OS user.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PrivatePostgres(_Service):
    """A throw-away Postgres cluster (initdb in a temp folder, pg_ctl on a free port), trusting
    local connections as user postgres. ``fsync=False`` trades durability for speed."""

    def __init__(self, *, fsync: bool = True, max_connections: int = 200) -> None:
        versions = sorted(
            glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[4])
        )
        if not versions:
            raise RuntimeError("no Postgres server binaries under /usr/lib/postgresql/*/bin")
        self.bin = Path(versions[-1])
        self.port = free_port()
        self.options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c fsync={'on' if fsync else 'off'}"
        )
        self.options += f" -c max_connections={max_connections}"
        self.dir: Path | None = None

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _ctl(self, *args: str) -> None:
        assert self.dir is not None
        data, log = str(self.dir / "data"), str(self.dir / "server.log")
        command = [str(self.bin / "pg_ctl"), "-D", data, "-l", log, *args]
        subprocess.run(_as_postgres(command), check=True, stdout=subprocess.DEVNULL)

    def start(self) -> None:
        if self.dir is None:
            self.dir = Path(tempfile.mkdtemp(prefix="bt_pg_"))
            if os.geteuid() == 0:
                shutil.chown(self.dir, "postgres", "postgres")
            initdb = [str(self.bin / "initdb"), "-D", str(self.dir / "data"), "-U", "postgres"]
            initdb += ["-A", "trust", "--no-sync", "-E", "UTF8"]
            subprocess.run(_as_postgres(initdb), check=True, stdout=subprocess.DEVNULL)
        self._ctl("-o", f"{self.options} -k {self.dir}", "-w", "start")

    def restart(self, *, mode: str = "fast") -> None:
        """Stop (``fast``: abort open transactions; ``immediate``: as a crash) and start again."""
        self._ctl("-m", mode, "-w", "stop")
        self._ctl("-o", f"{self.options} -k {self.dir}", "-w", "start")

    def stop(self) -> None:
        if self.dir is None:
            return
        data = self.dir / "data"
        command = [str(self.bin / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
        done = subprocess.run(_as_postgres(command), check=False, capture_output=True)
        pid_file = data / "postmaster.pid"
        if done.returncode != 0 and pid_file.exists():
            # pg_ctl could not stop it: end the postmaster itself, so no cluster is left behind.
            with contextlib.suppress(OSError, ValueError):
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
                time.sleep(1)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None


class PrivateRedis(_Service):
    """A redis-server on a free loopback port, without persistence; start() after stop()
    serves the same port again (empty)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        _wait(self._answers, "redis-server", 30, self.process)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None


def study_script(*, slug: str, n_human: int, n_gpt4: int, n_shared: int, repeats: int) -> str:
    """Python for ``manage.py shell -c`` that makes an open study on a bank named ``slug``:
    n_human + n_gpt4 made-up test cases (the text said ``repeats`` times, so abstracts have a
    realistic length), the first ``n_shared`` GPT-4 cases on the paper of a human one. It uses
    only models every checkout has, so benchmarks can run it against older code too."""
    return f"""
from braintrial.items.models import Item
from braintrial.studies.models import Study
text = "We recorded from {{n}} neurons in the {{area}} and found that the response {{way}}. "
text = text * {repeats}
items = [Item(bank="{slug}", source=source, source_file=source + ".csv", row=i + 1,
              doi=f"10.1/p{{i}}" if source == "human" or i < {n_shared} else f"10.2/g{{i}}",
              journal_section="Systems/Circuits",
              original=text.format(n=i, area="cortex", way="increased"),
              altered=text.format(n=i, area="cortex", way="decreased"))
         for source, count in (("human", {n_human}), ("gpt4", {n_gpt4})) for i in range(count)]
Item.objects.bulk_create(items)
study = Study.objects.create(slug="{slug}", title="{slug} benchmark", bank="{slug}", is_open=True)
"""
