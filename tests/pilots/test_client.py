"""The bots' HTTP (an httpx client per bot) against a small server on 127.0.0.1 in the test.

No database: the server here is http.server, which counts the connections it accepts, so the
tests can tell a kept-alive connection from a new one.
"""

from __future__ import annotations

import json
import random
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from braintrial.pilots.bots import Bot, BotFailure
from braintrial.pilots.client import (
    ConnectionFailed,
    HttpxTransport,
)

LOCAL = "127.0.0.1"
NOW = 1_700_000_000.0


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__((LOCAL, 0), _Handler)
        self.accepted = 0
        self.closed = threading.Semaphore(0)  # released once per connection the server closed
        self.release = threading.Event()  # ends the slow answer early when the test is done
        self.methods: list[str] = []
        self.posted: list[dict[str, str]] = []  # the echo of each POST to /s/x/

    def process_request(self, request: Any, client_address: Any) -> None:
        self.accepted += 1
        super().process_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the slow answer is written after the client has given up on it: a broken pipe

    def shutdown_request(self, request: Any) -> None:
        super().shutdown_request(request)
        self.closed.release()

    @property
    def url(self) -> str:
        return f"http://{LOCAL}:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive unless an answer says otherwise
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.answer()

    def do_POST(self) -> None:
        self.answer()

    def answer(self) -> None:
        self.server.methods.append(self.command)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        path = self.path.split("?")[0]
        if path == "/s/x/":
            self.study(body)
            return
        if path == "/slow":
            self.server.release.wait(5)
        if path == "/vanish":
            self.close_connection = True
            return
        echo = {
            "method": self.command,
            "body": body,
            **{k.lower(): v for k, v in self.headers.items()},
        }
        content = json.dumps(echo).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(content)))
        if path == "/close":
            self.send_header("Connection", "close")  # what gunicorn's sync workers send
        if path == "/cookies":
            self.send_header("Set-Cookie", "sid=abc; Path=/; HttpOnly; SameSite=Lax")
            self.send_header("Set-Cookie", "csrftoken=x1; Max-Age=3600; Path=/")
        self.end_headers()
        self.wfile.write(content)
        if path == "/drop":
            # Kept alive by the headers, then closed all the same: an idle timeout's close.
            self.close_connection = True

    def study(self, body: str) -> None:
        """A one-page study: the landing form with its CSRF token and cookie (not Secure, as the
        pilot's own server sends them over plain http), then a completion page."""
        if self.command == "GET":
            content = (
                '<h1>Welcome</h1><form method="post" action="/s/x/">'
                '<input type="hidden" name="csrfmiddlewaretoken" value="form-token-1">'
                '<button type="submit">Start</button></form>'
            )
            cookies = ["csrftoken=cookie-token-1; Path=/; SameSite=Lax"]
        else:
            self.server.posted.append(
                {"cookie": self.headers.get("Cookie", ""), "origin": self.headers["Origin"]}
                | {k: v[0] for k, v in parse_qs(body).items()}
            )
            content = '<h1>Thank you</h1><p>Code: <strong class="code">DONE7</strong></p>'
            cookies = ["bt_x=participant-1; Path=/s/x/; HttpOnly"]
        data = content.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for cookie in cookies:
            self.send_header("Set-Cookie", cookie)
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def server() -> Iterator[_Server]:
    httpd = _Server()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def client_for(timeout_s: float = 5.0) -> HttpxTransport:
    return HttpxTransport(timeout_s=timeout_s, user_agent="test-bot")


def echo(client: HttpxTransport, url: str, **kwargs: Any) -> dict[str, str]:
    method = kwargs.pop("method", "GET")
    reply = client.request(
        method, url, data=kwargs.pop("data", None), headers=kwargs.pop("headers", {}), label="t"
    )
    assert reply.status_code == 200
    return json.loads(reply.text)


def bot_for(url: str, timeout_s: float = 5.0) -> Bot:
    return Bot(base_url=url, slug="x", index=0, pid="p", rng=random.Random(1), timeout_s=timeout_s)


# --- connections ----------------------------------------------------------------------------
def test_requests_share_one_kept_alive_connection(server: _Server) -> None:
    client = client_for()

    for _ in range(3):
        echo(client, server.url + "/keep")
    echo(client, server.url + "/keep", method="POST", data={"a": "1"})

    assert server.accepted == 1
    client.close()


def test_a_connection_close_answer_is_followed_by_a_new_connection(server: _Server) -> None:
    client = client_for()

    echo(client, server.url + "/close")
    echo(client, server.url + "/close", method="POST", data={"a": "1"})
    echo(client, server.url + "/keep")
    echo(client, server.url + "/keep")

    assert server.accepted == 3
    assert server.methods == ["GET", "POST", "GET", "GET"]
    client.close()


def test_an_idle_connection_the_server_closed_is_replaced_before_the_next_request(
    server: _Server,
) -> None:
    client = client_for()
    echo(client, server.url + "/drop")
    assert server.closed.acquire(timeout=5)

    echo(client, server.url + "/keep", method="POST", data={"a": "1"})

    assert server.accepted == 2
    assert server.methods == ["GET", "POST"]
    client.close()


def test_a_request_sent_whole_but_never_answered_is_reported_and_never_sent_again(
    server: _Server,
) -> None:
    # /vanish reads the request and closes without a byte of an answer: a worker killed in
    # the middle of a request. The server may have stored the POST, so it goes once; and the
    # client sends nothing again on its own (a patient participant's reload is the bot's).
    client = client_for()
    echo(client, server.url + "/keep")

    with pytest.raises(ConnectionFailed, match="RemoteProtocolError"):
        client.request("POST", server.url + "/vanish", data={"a": "1"}, headers={}, label="t")
    with pytest.raises(ConnectionFailed):
        client.request("GET", server.url + "/vanish", data=None, headers={}, label="t")

    assert server.methods == ["GET", "POST", "GET"]
    echo(client, server.url + "/keep")  # the client goes on, on a fresh connection
    assert server.accepted == 3
    client.close()


def test_a_twin_has_its_own_connection_and_the_cookies_so_far(server: _Server) -> None:
    client = client_for()
    echo(client, server.url + "/cookies")
    twin = client.twin()

    sent = echo(twin, server.url + "/keep")
    echo(client, server.url + "/keep")

    assert sorted(sent["cookie"].split("; ")) == ["csrftoken=x1", "sid=abc"]
    assert server.accepted == 2
    twin.client.cookies.set("only", "twin", domain=LOCAL)
    assert "only=twin" not in echo(client, server.url + "/keep")["cookie"]
    client.close()
    twin.close()


def test_headers_and_a_url_encoded_form_body(server: _Server) -> None:
    client = client_for()

    sent = echo(
        client,
        server.url + "/form?x=1",
        method="POST",
        data={"choice": "A", "text": "a b&c", "name": "é"},
        headers={"Referer": server.url + "/form", "Origin": server.url},
    )

    assert sent["body"] == "choice=A&text=a+b%26c&name=%C3%A9"
    assert sent["content-type"] == "application/x-www-form-urlencoded"
    assert sent["user-agent"] == "test-bot"
    assert sent["referer"] == server.url + "/form"
    assert sent["origin"] == server.url
    assert "cookie" not in sent
    client.close()


# --- the bot over its client ----------------------------------------------------------------
def test_a_bot_keeps_its_cookies_and_posts_the_pages_csrf_token(server: _Server) -> None:
    result = bot_for(server.url).run()

    assert (result.completed, result.completion_code, result.error) == (True, "DONE7", "")
    [posted] = server.posted
    assert posted["csrfmiddlewaretoken"] == "form-token-1"
    assert posted["cookie"] == "csrftoken=cookie-token-1"
    assert posted["origin"] == server.url
    assert [(r.label, r.status) for r in result.requests] == [
        ("GET landing", 200),
        ("POST landing", 200),
    ]


def test_a_timeout_becomes_a_bot_failure(server: _Server) -> None:
    bot = bot_for(server.url, timeout_s=0.2)
    url = server.url + "/slow"

    with pytest.raises(BotFailure, match=r"^GET /slow: ReadTimeout$"):
        bot.send("GET", url, data=None, referer=url, label="GET slow")
    assert bot.result.requests == []


def test_a_refused_connection_becomes_a_bot_failure() -> None:
    with socket.socket() as probe:  # a port nothing listens on once this is closed
        probe.bind((LOCAL, 0))
        port = probe.getsockname()[1]
    url = f"http://{LOCAL}:{port}/s/x/"
    bot = bot_for(url, timeout_s=2)

    with pytest.raises(BotFailure, match=r"^POST /s/x/: ConnectError$"):
        bot.send("POST", url, data={"a": "1"}, referer=url, label="POST landing")


def test_a_bot_that_cannot_connect_reports_where_it_failed() -> None:
    with socket.socket() as probe:
        probe.bind((LOCAL, 0))
        port = probe.getsockname()[1]

    result = bot_for(f"http://{LOCAL}:{port}", timeout_s=2).run()

    assert not result.completed
    assert result.error == "GET /s/x/: ConnectError"


def test_the_bot_records_each_request_with_its_status_and_latency(server: _Server) -> None:
    bot = bot_for(server.url)
    url = server.url + "/cookies"

    response = bot.send("GET", url, data=None, referer=url, label="GET landing")

    assert response.status_code == 200
    [request] = bot.result.requests
    assert (request.label, request.status) == ("GET landing", 200)
    assert 0 < request.seconds == bot.result.latencies_s[0] < 5
    assert bot.transport is not None
    bot.transport.close()


# --- the cookie policy ----------------------------------------------------------------------
SET_COOKIES = [
    ("Set-Cookie", "bt_x=t; Path=/; Secure; HttpOnly"),
    ("Set-Cookie", "csrftoken=x1; Max-Age=3600; Path=/; Secure"),
    ("Set-Cookie", "plain=p; Path=/"),
]


def cookies_sent(*, host: str, scheme: str) -> list[str]:
    """The cookies a bot's jar sends back to ``host`` after it set the three above."""
    transport = client_for()
    answer = httpx.Request("GET", f"{scheme}://{host}/s/x/")
    transport.client.cookies.extract_cookies(
        httpx.Response(200, headers=SET_COOKIES, request=answer)
    )
    request = transport.client.build_request("GET", f"{scheme}://{host}/s/x/flow/")
    transport.close()
    return sorted(request.headers.get("Cookie", "").split("; "))


def test_secure_cookies_go_back_over_https_only_even_to_loopback_hosts() -> None:
    """The bots' jar is the standard one: a server they reach over plain http must not mark its
    cookies Secure (the pilot's own server does not: tests/pilots/test_simulate.py)."""
    for host in ("127.0.0.1", "localhost", "study.example.org"):
        assert cookies_sent(host=host, scheme="http") == ["plain=p"], host
        assert cookies_sent(host=host, scheme="https") == ["bt_x=t", "csrftoken=x1", "plain=p"]


def test_every_request_of_the_walk_goes_through_the_send_hook(server: _Server) -> None:
    seen: list[str] = []

    class Watched(Bot):
        def send(self, method: str, url: str, **kwargs: Any) -> Any:
            seen.append(kwargs["label"])
            return super().send(method, url, **kwargs)

    bot = Watched(base_url=server.url, slug="x", index=0, pid="p", rng=random.Random(1))
    result = bot.run()

    assert result.completed
    assert seen == [r.label for r in result.requests] == ["GET landing", "POST landing"]
