"""The bots' HTTP: one kept-alive connection per bot and a cookie jar, on the standard library.

A load run shares its machine with the server it measures, so every millisecond of client CPU
per request is taken from the server's throughput. A general client library spends most of a
bot's CPU on machinery a bot does not use (connection pools, adapters, a full cookie policy);
this module does only what the bots need: same-origin requests on one connection, reopened when
the server closes it, and the cookies a browser would send back to that one host.

Pure client logic with no Django imports, like braintrial.participants.bots.
"""

from __future__ import annotations

import http.client
import select
import socket
import time
from dataclasses import dataclass
from email.message import Message
from email.utils import parsedate_to_datetime
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlencode, urlsplit

# Browsers treat these hosts as secure contexts and send them Secure cookies over plain http;
# a bot against a local server must do the same (the study cookie is Secure in production).
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
FORM_TYPE = "application/x-www-form-urlencoded"
# A kept-alive connection the server has closed shows up as one of these on the next request.
STALE_CONNECTION = (
    http.client.RemoteDisconnected,
    ConnectionResetError,
    ConnectionAbortedError,
    BrokenPipeError,
)


@dataclass(frozen=True)
class Cookie:
    name: str
    value: str  # as the server sent it (quotes kept), which is what a browser sends back
    path: str
    secure: bool
    expires: float | None  # time.time() seconds; None: kept until the bot ends


def default_path(request_path: str) -> str:
    """RFC 6265 5.1.4: the request path up to, not including, its last "/" ("/" at least)."""
    cut = request_path.rfind("/") if request_path.startswith("/") else -1
    return request_path[:cut] if cut > 0 else "/"


def path_matches(request_path: str, cookie_path: str) -> bool:
    """RFC 6265 5.1.4: /s/pilot/ and /s/pilot/x match a cookie of /s/pilot, /s/pilotx does not."""
    if not request_path.startswith(cookie_path):
        return False
    return (
        len(request_path) == len(cookie_path)
        or cookie_path.endswith("/")
        or request_path[len(cookie_path)] == "/"
    )


def _expiry(max_age: str, expires: str, now: float) -> float | None:
    """When a cookie ends: Max-Age wins over Expires (RFC 6265 5.3); None for neither."""
    if max_age:
        try:
            return now + int(max_age)
        except ValueError:
            pass  # an unreadable Max-Age is ignored, as a browser does
    if expires:
        try:
            return parsedate_to_datetime(expires).timestamp()
        except (TypeError, ValueError):
            pass
    return None


class CookieJar:
    """Host-only cookies, each sent back to the host that set it on the paths it names.

    The Domain attribute is not honoured: a bot talks to one host, and a cookie kept for that
    host alone is what the server of the study needs. Secure cookies go back over https, and
    over plain http to a loopback host only (as a browser does).
    """

    def __init__(self) -> None:
        self._cookies: dict[tuple[str, str, str], Cookie] = {}  # (host, path, name) -> cookie

    def copy(self) -> CookieJar:
        twin = CookieJar()
        twin._cookies = dict(self._cookies)  # cookies are frozen: sharing them is safe
        return twin

    def __len__(self) -> int:
        return len(self._cookies)

    def store(
        self, *, host: str, request_path: str, headers: list[str], now: float | None = None
    ) -> None:
        """Take the Set-Cookie header lines of a response to a request for ``request_path``."""
        now = time.time() if now is None else now
        for header in headers:
            parsed: SimpleCookie = SimpleCookie()
            try:
                parsed.load(header)
            except CookieError:
                continue  # a browser ignores a cookie it cannot read; so does the bot
            if not parsed:
                continue
            morsel = next(iter(parsed.values()))  # one cookie per header; the rest is attributes
            path = morsel["path"] if morsel["path"].startswith("/") else default_path(request_path)
            key = (host, path, morsel.key)
            expires = _expiry(morsel["max-age"], morsel["expires"], now)
            if expires is not None and expires <= now:
                self._cookies.pop(key, None)  # Max-Age=0 or a past Expires: the server deletes
                continue
            secure = bool(morsel["secure"])
            self._cookies[key] = Cookie(morsel.key, morsel.coded_value, path, secure, expires)

    def header(self, *, host: str, path: str, https: bool, now: float | None = None) -> str:
        """The Cookie header for a request to ``path`` on ``host``; "" when none applies."""
        now = time.time() if now is None else now
        secure_ok = https or host in LOOPBACK_HOSTS
        chosen: list[Cookie] = []
        for (cookie_host, _, _), cookie in list(self._cookies.items()):
            if cookie.expires is not None and cookie.expires <= now:
                del self._cookies[(cookie_host, cookie.path, cookie.name)]
            elif (
                cookie_host == host
                and (secure_ok or not cookie.secure)
                and path_matches(path, cookie.path)
            ):
                chosen.append(cookie)
        # RFC 6265 5.4: longer paths first, so the most specific cookie of a name comes first.
        chosen.sort(key=lambda c: -len(c.path))
        return "; ".join(f"{c.name}={c.value}" for c in chosen)

    def value(self, name: str, *, host: str, path: str = "/") -> str | None:
        """The value of the cookie ``name`` stored for exactly ``path``, or None."""
        cookie = self._cookies.get((host, path, name))
        return None if cookie is None else cookie.value


@dataclass(frozen=True)
class Response:
    status_code: int
    headers: Message
    body: bytes
    seconds: float  # from sending the request to having read the last byte of the body

    @property
    def text(self) -> str:
        charset = self.headers.get_content_charset() or "utf-8"
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:  # a charset Python does not know
            return self.body.decode("utf-8", errors="replace")


def _dropped(sock: socket.socket) -> bool:
    """True when the server has closed an idle kept-alive connection (or written to it, which
    it never should): either way the socket cannot carry the next request."""
    try:
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return bool(poller.poll(0))
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True


class HttpClient:
    """Requests to one origin on one connection, kept alive while the server allows it.

    A connection the server has closed is reopened before the next request. A kept-alive
    socket can still turn out stale only once a request is on it; that request is sent again
    on a fresh connection only when the server cannot have acted on it: a GET when the
    connection broke before any byte of an answer came back, a POST only when sending it
    failed. A POST whose answer never came may have been stored, so it is reported, not sent
    twice (the double-click and back-button cases are the bots' to make, on purpose).
    """

    def __init__(
        self,
        origin: str,
        *,
        timeout_s: float,
        user_agent: str,
        cookies: CookieJar | None = None,
    ) -> None:
        parts = urlsplit(origin)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"not an http(s) origin: {origin!r}")
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port
        self.timeout_s = timeout_s
        self.user_agent = user_agent
        self.cookies = cookies if cookies is not None else CookieJar()
        self.connections_opened = 0
        self._connection: http.client.HTTPConnection | None = None

    def copy(self) -> HttpClient:
        """Another client for the same origin, with its own connection and a copy of the
        cookies: a second browser tab's request on a connection of its own."""
        return HttpClient(
            self.origin,
            timeout_s=self.timeout_s,
            user_agent=self.user_agent,
            cookies=self.cookies.copy(),
        )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def request(
        self,
        method: str,
        url: str,
        *,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """Send one request to this client's origin; redirects are the caller's to follow."""
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            raise ValueError(f"{url} is not on {self.origin}")
        path = parts.path or "/"
        sent = {"User-Agent": self.user_agent, **(headers or {})}
        cookie = self.cookies.header(host=self.host, path=path, https=self.https)
        if cookie:
            sent["Cookie"] = cookie
        body = None
        if data is not None:
            body = urlencode(data).encode("ascii")  # urlencode percent-encodes as utf-8
            sent["Content-Type"] = FORM_TYPE
        target = path + ("?" + parts.query if parts.query else "")
        started = time.perf_counter()
        try:
            response = self._exchange(method, target, body, sent)
            content = response.read()
        except BaseException:
            self.close()  # the connection is in an unknown state: the next request opens one
            raise
        seconds = time.perf_counter() - started
        found = response.headers.get_all("Set-Cookie") or []
        self.cookies.store(host=self.host, request_path=path, headers=found)
        return Response(response.status, response.headers, content, seconds)

    def _open(self) -> tuple[http.client.HTTPConnection, bool]:
        """The connection for the next request, and whether it has carried one before."""
        connection = self._connection
        if connection is not None and connection.sock is not None:
            if not _dropped(connection.sock):
                return connection, True
            connection.close()
        if connection is None:
            kind = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
            connection = kind(self.host, self.port, timeout=self.timeout_s)
            self._connection = connection
        # http.client connects on the next request by itself; counted here for the tests.
        self.connections_opened += 1
        return connection, False

    def _exchange(
        self, method: str, target: str, body: bytes | None, headers: dict[str, str]
    ) -> http.client.HTTPResponse:
        connection, reused = self._open()
        try:
            connection.request(method, target, body, headers)
        except STALE_CONNECTION:
            if not reused:
                raise
            return self._again(method, target, body, headers)
        try:
            # After a "Connection: close" answer http.client drops the socket itself, so the
            # next request opens a new one.
            return connection.getresponse()
        except STALE_CONNECTION:
            if not reused or method != "GET":
                raise
            return self._again(method, target, body, headers)

    def _again(
        self, method: str, target: str, body: bytes | None, headers: dict[str, str]
    ) -> http.client.HTTPResponse:
        """The one retry, on a fresh connection; its failure is the request's failure."""
        self.close()
        connection, _ = self._open()
        connection.request(method, target, body, headers)
        return connection.getresponse()
