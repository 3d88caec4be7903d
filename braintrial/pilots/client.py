"""The bots' HTTP: what a bot needs of a client (``Transport``) and the one it uses, over httpx.

A bot talks to one origin the way a browser tab does: its own cookies, one kept-alive
connection, redirects followed by the bot itself (it reads where each one leads). httpx's
``Client`` does all of it: the cookie jar is the standard library's, under its standard policy,
and the connection pool keeps the connection alive and drops one the server has closed before
reusing it. Like any client but a browser on localhost, the jar sends a cookie marked Secure
only over https: a server the bots reach over plain http must not mark its cookies Secure (the
pilot's own gunicorn runs with ``SECURE_COOKIES=0``, braintrial.pilots.services.local_server);
a server behind TLS is given by its https URL.

No request is sent again by the client. A POST whose answer never came may have been stored,
and the double-click and back-button cases are the bots' to make on purpose; a connection that
cannot be opened means the server is down, which a pilot reports rather than hides. A caller
that wants a participant's patience (reload after a failure) wraps ``Bot.send``.

Pure client logic with no Django imports, like braintrial.pilots.bots.
"""

from __future__ import annotations

import copy
import functools
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.cookiejar import CookieJar
from typing import Protocol

import httpx


class ConnectionFailed(Exception):
    """No answer came: the connection was refused, reset or timed out, or the answer was not
    HTTP. The message names the kind of failure (e.g. ``ConnectError``)."""


@dataclass(frozen=True)
class Reply:
    status_code: int
    headers: Mapping[str, str]  # looked up case-insensitively
    text: str
    seconds: float  # from sending the request to having read the last byte of the body


class Transport(Protocol):
    """What a bot sends its requests through: one participant's browser tab."""

    def request(
        self,
        method: str,
        url: str,
        *,
        data: dict[str, str] | None,
        headers: dict[str, str],
        label: str,
    ) -> Reply:
        """Send one request, a url-encoded form body when ``data`` is given, and read the whole
        answer; redirects are not followed. ``label`` names the request in a load tool's
        statistics. Raises ConnectionFailed when no HTTP answer came."""
        ...

    def twin(self) -> Transport:
        """Another tab of the same browser: its own connection, a copy of the cookies so far
        (what a double click's second request is sent with)."""
        ...

    def close(self) -> None: ...


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    # Built once: loading the certificate store for each of hundreds of bots costs CPU that a
    # load run on the server's own machine takes from the server.
    return httpx.create_ssl_context()


class HttpxTransport:
    """A ``Transport`` over one ``httpx.Client``: its cookie jar, its kept-alive connection."""

    def __init__(
        self, *, timeout_s: float, user_agent: str, cookies: CookieJar | None = None
    ) -> None:
        self.timeout_s = timeout_s
        self.user_agent = user_agent
        self.cookies = cookies if cookies is not None else CookieJar()
        self.client = httpx.Client(
            cookies=self.cookies,
            headers={"User-Agent": user_agent},
            timeout=timeout_s,
            follow_redirects=False,
            verify=_ssl_context(),
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        data: dict[str, str] | None,
        headers: dict[str, str],
        label: str,
    ) -> Reply:
        request = self.client.build_request(method, url, data=data, headers=headers)
        started = time.perf_counter()
        try:
            response = self.client.send(request)
        except httpx.TransportError as exc:  # refused, reset, timed out, not HTTP
            raise ConnectionFailed(type(exc).__name__) from exc
        return Reply(
            response.status_code, response.headers, response.text, time.perf_counter() - started
        )

    def twin(self) -> HttpxTransport:
        cookies = CookieJar()
        for cookie in self.cookies:
            cookies.set_cookie(copy.copy(cookie))
        return HttpxTransport(timeout_s=self.timeout_s, user_agent=self.user_agent, cookies=cookies)

    def close(self) -> None:
        self.client.close()
