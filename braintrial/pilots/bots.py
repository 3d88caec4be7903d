"""Scripted participants that walk a study through real HTTP.

A bot sees only what a browser sees: it reads the HTML of each page, finds the form, fills it
as a plausible participant would (answers.py) and posts it with the page's CSRF token,
keeping its own cookies. It never looks at the database, so it cannot know which version is the
original and picks A or B at random. It also plays the part of the trial page's script: the
client response time, the blur count and the "slider moved" flags.

A ``Mix`` makes it behave like a real crowd besides: it reloads pages, sends an answer twice at
once (a double click) and re-posts a page it has left (the back button). Every request is
recorded with its step, status and latency, and every answer the server acknowledged (a
redirect after the POST) is kept, so a load run can check afterwards that each is stored once.

Pure client logic with no Django imports, so it can pilot a server running anywhere. The HTTP
goes through a ``Transport`` (client.py): httpx by default, a load tool's client in bench/.
"""

from __future__ import annotations

import random
import secrets
import threading
from urllib.parse import urlencode, urljoin, urlsplit

from braintrial.pilots.answers import AnswerError, answer_fill
from braintrial.pilots.client import ConnectionFailed, HttpxTransport, Reply, Transport
from braintrial.pilots.pages import Form, Page, page_parse
from braintrial.pilots.runs import BotResult, Mix, Request

MAX_PAGES = 100
MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})
TRIAL_STEPS = frozenset({"practice", "trials"})
USER_AGENT = "braintrial-bot/1.0 (simulated participant)"


class BotFailure(Exception):
    """The flow did not go as a participant's would; the message says where and why."""


class Bot:
    """One simulated participant with its own cookies and random generator.

    ``transport`` is the participant's browser tab (client.Transport); by default an httpx
    client, opened when the bot starts. Every request goes through ``send``.
    """

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
        mix: Mix | None = None,
        transport: Transport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.base_url))
        self.slug = slug
        self.rng = rng
        self.prolific = prolific
        self.timeout_s = timeout_s
        self.mix = mix or Mix()
        self.result = BotResult(index=index, pid=pid)
        self.transport = transport
        self._lock = threading.Lock()  # a double send records from two threads

    # --- HTTP -----------------------------------------------------------------------------
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
        """Send one request (a POST with the Referer and Origin a browser sends) and record it
        with its label, status and latency; the bot's own transport unless another is given
        (a double click's second tab). Raises BotFailure when no answer came.

        Every request of the walk goes through here, so this is the hook for what a participant
        does when a request fails: a subclass may wait and send again (bench/fault_support.py's
        patient participants do), calling ``super().send`` for each request, so that each one
        is recorded.
        """
        headers = {"Referer": referer, "Origin": self.origin} if method == "POST" else {}
        sender = transport or self._transport()
        try:
            reply = sender.request(method, url, data=data, headers=headers, label=label)
        except ConnectionFailed as exc:
            raise BotFailure(f"{method} {urlsplit(url).path}: {exc}") from exc
        with self._lock:
            self.result.latencies_s.append(reply.seconds)
            self.result.requests.append(Request(label, reply.status_code, reply.seconds))
        return reply

    def _transport(self) -> Transport:
        if self.transport is None:
            self.transport = HttpxTransport(timeout_s=self.timeout_s, user_agent=USER_AGENT)
        return self.transport

    def _open(
        self, method: str, url: str, data: dict[str, str] | None = None, label: str = ""
    ) -> Page | None:
        """Send a request and follow same-site redirects; None when sent off-site (the
        study's completion URL), which a bot does not visit."""
        referer, label = url, label or f"{method} page"
        for _ in range(MAX_REDIRECTS + 1):
            response = self.send(method, url, data=data, referer=referer, label=label)
            if response.status_code not in REDIRECTS:
                page = Page(url=url, status=response.status_code, parser=page_parse(response.text))
                if label == "GET next":
                    form = page.step_form
                    self._relabel(f"GET {form.values['step']}" if form else "GET end page")
                return page
            target = urljoin(url, response.headers.get("Location", ""))
            if not target.startswith(self.origin + "/"):
                self.result.redirected_to = target
                return None
            method, url, data, label = "GET", target, None, "GET next"
        raise BotFailure(f"more than {MAX_REDIRECTS} redirects from {urlsplit(url).path}")

    def _relabel(self, label: str) -> None:
        # The step of a page is known only once it is read.
        with self._lock:
            last = self.result.requests[-1]
            self.result.requests[-1] = Request(label, last.status, last.seconds)

    def _post(self, page: Page, form: Form, data: dict[str, str], label: str) -> Page | None:
        if form.method.lower() != "post":
            raise BotFailure(f"form on {urlsplit(page.url).path} is not a POST form")
        return self._open("POST", urljoin(page.url, form.action), {**form.values, **data}, label)

    def _post_twice(
        self, page: Page, form: Form, data: dict[str, str], label: str
    ) -> threading.Thread:
        """The same POST from a second connection with the same cookies, started together
        with the bot's own: what a double click sends."""
        twin = self._transport().twin()
        url = urljoin(page.url, form.action)
        fields = {**form.values, **data}

        def send() -> None:
            try:
                self.send(
                    "POST", url, data=fields, referer=url, label=f"{label} (double)", transport=twin
                )
            except BotFailure:
                pass  # only the bot's own request decides how the flow goes on
            finally:
                twin.close()

        thread = threading.Thread(target=send, daemon=True)
        thread.start()
        return thread

    # --- the participant ------------------------------------------------------------------
    def run(self) -> BotResult:
        try:
            self._walk()
        except BotFailure as exc:
            self.result.error = str(exc)
        except Exception as exc:  # a bot reports its failure; the run goes on
            self.result.error = f"{type(exc).__name__}: {exc}"
        finally:
            if self.transport is not None:
                self.transport.close()
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
        landing = self._open("GET", self._landing_url(), label="GET landing")
        if landing is None or landing.status != 200 or not landing.parser.forms:
            raise BotFailure("landing page: " + (landing.describe() if landing else "redirected"))
        page = self._post(landing, landing.parser.forms[0], {}, "POST landing")
        for _ in range(MAX_PAGES):
            if page is None:  # sent to the study's completion URL after the debrief
                self.result.completed = True
                return
            if page.status != 200:
                raise BotFailure(f"{urlsplit(page.url).path}: {page.describe()}")
            if page.step_form is None:
                self._finish(page)
                return
            page = self._step(page)
        raise BotFailure(f"no end after {MAX_PAGES} pages")

    def _step(self, page: Page) -> Page | None:
        """Answer the page (with the mix's reloads, double clicks and back-button re-posts);
        the page the server shows next."""
        form = page.step_form
        assert form is not None
        step = form.values["step"]
        if self._chance(self.mix.reload):
            page = self._open("GET", page.url, label=f"GET {step} (reload)") or page
            form = page.step_form or form
        data = self._answer(step, form)
        label = f"POST {step}"
        twin = (
            self._post_twice(page, form, data, label)
            if self._chance(self.mix.double_send)
            else None
        )
        next_page = self._post(page, form, data, label)
        if twin is not None:
            twin.join(timeout=self.timeout_s)
        if twin is not None and next_page is not None and next_page.status == 409:
            # The double click's other request was answered first and the server refused this
            # one: a participant follows the conflict page's link back to the study.
            return self._open("GET", page.url, label=f"GET {step} (after 409)")
        if next_page is not None and next_page.status != 200:
            raise BotFailure(f"POST {step}: {next_page.describe()}")
        if step in TRIAL_STEPS:
            self._acknowledged(form, data)
            self.result.trials_answered += step == "trials"
        if next_page is not None and self._chance(self.mix.back_repost):
            again = self._post(page, form, data, f"{label} (back)")
            if again is not None and again.status >= 500:
                raise BotFailure(f"POST {step} again: {again.describe()}")
            next_page = again if again is not None and again.status == 200 else next_page
        return next_page

    def _chance(self, p: float) -> bool:
        # No draw at p = 0, so a plain run answers exactly as before for the same seed.
        return p > 0 and self.rng.random() < p

    def _acknowledged(self, form: Form, data: dict[str, str]) -> None:
        """Keep an answer the server took: its POST was answered with a redirect."""
        with self._lock:
            posted = [r for r in self.result.requests if not r.label.endswith("(double)")]
        if len(posted) >= 2 and posted[-2].label.startswith("POST") and posted[-2].status == 302:
            self.result.acknowledged.append((int(form.values["position"]), data))

    def _finish(self, page: Page) -> None:
        if page.parser.heading != "Thank you":
            raise BotFailure(f"ended on {page.describe()}")
        self.result.completed = True
        self.result.completion_code = page.parser.code

    def _answer(self, step: str, form: Form) -> dict[str, str]:
        try:
            return answer_fill(step=step, form=form, rng=self.rng)
        except AnswerError as exc:
            raise BotFailure(f"{step} page: {exc}") from exc


def bots_make(
    *,
    base_url: str,
    slug: str,
    prolific: bool,
    n: int,
    seed: int,
    timeout_s: float,
    mix: Mix | None = None,
    bot_class: type[Bot] = Bot,
) -> list[Bot]:
    """``n`` bots for the study ``slug``, in start order, each with its own random generator
    drawn from ``seed`` (the same answers for the same seed) and no transport yet."""
    master = random.Random(seed)
    # The recruitment ids must be new on every run (an id takes a study only once), so they
    # come from the system's randomness, not from the seed of the answers.
    run_id = secrets.token_hex(4)
    return [
        bot_class(
            base_url=base_url,
            slug=slug,
            index=i,
            pid=f"bot-{run_id}-{i}",
            rng=random.Random(master.getrandbits(64)),
            prolific=prolific,
            timeout_s=timeout_s,
            mix=mix,
        )
        for i in range(n)
    ]
