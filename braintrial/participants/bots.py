"""Scripted participants that walk a study through real HTTP.

A bot sees only what a browser sees: it reads the HTML of each page, finds the form, fills it
as a plausible participant would and posts it with the page's CSRF token, keeping its own
cookies. It never looks at the database, so it cannot know which version is the original and
picks A or B at random. It also plays the part of the trial page's script: the client response
time, the blur count and the "slider moved" flags.

Pure client logic with no Django imports, so it can pilot a server running anywhere.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import requests

from braintrial.participants.bot_pages import Form, Page, PageParser

# Browsers treat these hosts as secure contexts and send them Secure cookies over plain http;
# a bot against a local server must do the same (the study cookie is Secure in production).
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_PAGES = 100
MAX_REDIRECTS = 5
USER_AGENT = "braintrial-bot/1.0 (simulated participant)"


class BotFailure(Exception):
    """The flow did not go as a participant's would; the message says where and why."""


@dataclass
class BotResult:
    index: int
    pid: str
    completed: bool = False
    completion_code: str = ""
    # The study's completion URL the server sent the bot to, instead of a code page.
    redirected_to: str = ""
    error: str = ""
    trials_answered: int = 0
    latencies_s: list[float] = field(default_factory=list)


GENDER_WEIGHTS = {"Male": 55, "Female": 40, "Gender Variant/Non-Conforming": 2}
POSITION_AGES = {  # position -> plausible age range
    "Predoctoral student": (21, 27),
    "Doctoral student": (23, 33),
    "Postdoctoral researcher": (28, 42),
    "Faculty/Academic staff": (34, 70),
    "Research scientist": (27, 62),
}
COMMON_COUNTRIES = ("United States", "United Kingdom", "Germany", "China", "Canada", "France")


class Bot:
    """One simulated participant with its own cookie jar and random generator."""

    def __init__(
        self,
        *,
        base_url: str,
        slug: str,
        index: int,
        pid: str,
        rng: random.Random,
        prolific: bool = False,
        timeout_s: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.base_url))
        self.slug = slug
        self.rng = rng
        self.prolific = prolific
        self.timeout_s = timeout_s
        self.result = BotResult(index=index, pid=pid)
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT

    # --- HTTP -----------------------------------------------------------------------------
    def _send(self, method: str, url: str, data: dict[str, str] | None, referer: str) -> Any:
        headers = {"Referer": referer, "Origin": self.origin} if method == "POST" else {}
        started = time.perf_counter()
        try:
            response = self.session.request(
                method,
                url,
                data=data,
                headers=headers,
                allow_redirects=False,
                timeout=self.timeout_s,
            )
        except requests.RequestException as exc:
            raise BotFailure(f"{method} {urlsplit(url).path}: {type(exc).__name__}") from exc
        self.result.latencies_s.append(time.perf_counter() - started)
        if urlsplit(url).hostname in LOOPBACK_HOSTS:
            # requests would keep Secure cookies from plain http; a browser sends them back
            # to a loopback host, and so does the bot.
            for cookie in self.session.cookies:
                cookie.secure = False
        return response

    def _open(self, method: str, url: str, data: dict[str, str] | None = None) -> Page | None:
        """Send a request and follow same-site redirects; None when sent off-site (the
        study's completion URL), which a bot does not visit."""
        referer = url
        for _ in range(MAX_REDIRECTS + 1):
            response = self._send(method, url, data, referer)
            if response.status_code not in {301, 302, 303, 307, 308}:
                parser = PageParser()
                parser.feed(response.text)
                return Page(url=url, status=response.status_code, parser=parser)
            target = urljoin(url, response.headers.get("Location", ""))
            if not target.startswith(self.origin + "/"):
                self.result.redirected_to = target
                return None
            method, url, data = "GET", target, None
        raise BotFailure(f"more than {MAX_REDIRECTS} redirects from {urlsplit(url).path}")

    def _submit(self, page: Page, form: Form, data: dict[str, str]) -> Page | None:
        if form.method.lower() != "post":
            raise BotFailure(f"form on {urlsplit(page.url).path} is not a POST form")
        return self._open("POST", urljoin(page.url, form.action), {**form.values, **data})

    # --- the participant ------------------------------------------------------------------
    def run(self) -> BotResult:
        try:
            self._walk()
        except BotFailure as exc:
            self.result.error = str(exc)
        except Exception as exc:  # a bot reports its failure; the run goes on
            self.result.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.session.close()
        return self.result

    def _landing_url(self) -> str:
        pid = self.result.pid
        params = (
            {"PROLIFIC_PID": pid, "STUDY_ID": "braintrial-bots", "SESSION_ID": pid + "-s"}
            if self.prolific
            else {"pid": pid}
        )
        return urljoin(self.base_url, f"s/{self.slug}/") + "?" + urlencode(params)

    def _walk(self) -> None:
        landing = self._open("GET", self._landing_url())
        if landing is None or landing.status != 200 or not landing.parser.forms:
            raise BotFailure("landing page: " + (landing.describe() if landing else "redirected"))
        page = self._submit(landing, landing.parser.forms[0], {})
        for _ in range(MAX_PAGES):
            if page is None:  # sent to the study's completion URL after the debrief
                self.result.completed = True
                return
            if page.status != 200:
                raise BotFailure(f"{urlsplit(page.url).path}: {page.describe()}")
            form = page.step_form
            if form is None:
                self._finish(page)
                return
            step = form.values["step"]
            data = self._answer(step, form)
            page = self._submit(page, form, data)
            if page is not None and page.status != 200:
                raise BotFailure(f"POST {step}: {page.describe()}")
            if step in {"practice", "trials"}:
                self.result.trials_answered += step == "trials"
        raise BotFailure(f"no end after {MAX_PAGES} pages")

    def _finish(self, page: Page) -> None:
        if page.parser.heading != "Thank you":
            raise BotFailure(f"ended on {page.describe()}")
        self.result.completed = True
        self.result.completion_code = page.parser.code

    def _answer(self, step: str, form: Form) -> dict[str, str]:
        try:
            return self._fill(step, form)
        except BotFailure as exc:
            raise BotFailure(f"{step} page: {exc}") from exc

    def _fill(self, step: str, form: Form) -> dict[str, str]:
        if step == "consent":
            if "agree" not in form.options.get("consent", []):
                raise BotFailure("consent page has no 'agree' button")
            return {"consent": "agree"}
        if step == "demographics":
            return self._demographics(form)
        if step == "instructions":
            return {}
        if step in {"practice", "trials"}:
            return self._trial(form)
        if step == "debrief":
            return {"outside_help": "no", "feedback": ""}
        raise BotFailure(f"unknown step '{step}'")

    def _pick(self, form: Form, name: str, weights: Mapping[str, float] | None = None) -> str:
        choices = form.options.get(name)
        if not choices:
            raise BotFailure(f"no choices for '{name}'")
        w = [(weights or {}).get(c, 1.0) for c in choices]
        return self.rng.choices(choices, weights=w)[0]

    def _demographics(self, form: Form) -> dict[str, str]:
        position = self._pick(
            form, "position", {"Doctoral student": 3, "Postdoctoral researcher": 3}
        )
        low, high = POSITION_AGES.get(position, (22, 65))
        age = self.rng.randint(low, high)
        experience = max(0.0, min(age - 21 - self.rng.uniform(0, 3), 60.0))
        countries = {c: 8.0 for c in COMMON_COUNTRIES}
        return {
            "gender": self._pick(form, "gender", GENDER_WEIGHTS),
            "age": str(age),
            "country": self._pick(form, "country", countries),
            "position": position,
            "experience_years": f"{round(experience * 2) / 2:.1f}",
        }

    def _trial(self, form: Form) -> dict[str, str]:
        rng = self.rng
        choice = self._pick(form, "choice")  # the bot cannot know the answer: a fair coin
        recognised = "yes" if rng.random() < 0.02 else "no"
        return {
            "choice": choice,
            "confidence": str(round(rng.triangular(1, 100, 65))),
            "expertise": str(round(rng.triangular(1, 100, 40))),
            "recognised": recognised,
            # What the page's script would have measured: about a minute per pair of abstracts.
            "rt_client_ms": str(
                round(min(max(rng.lognormvariate(math.log(45_000), 0.5), 6_000), 600_000))
            ),
            "blur_count": str(0 if rng.random() < 0.85 else rng.randint(1, 3)),
            "confidence_moved": "1",
            "expertise_moved": "1",
        }
