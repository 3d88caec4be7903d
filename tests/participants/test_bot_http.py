"""The bots' HTTP client and cookie jar, against a small server on 127.0.0.1 in the test.

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

import pytest

from braintrial.participants import bot_http
from braintrial.participants.bot_http import CookieJar, HttpClient, default_path
from braintrial.participants.bots import Bot, BotFailure

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
            self.send_header("Set-Cookie", "csrftoken=x1; Max-Age=3600; Path=/; Secure")
        self.end_headers()
        self.wfile.write(content)
        if path == "/drop":
            # Kept alive by the headers, then closed all the same: an idle timeout's close.
            self.close_connection = True


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


def client_for(server: _Server, timeout_s: float = 5.0) -> HttpClient:
    return HttpClient(server.url, timeout_s=timeout_s, user_agent="test-bot")


def echo(client: HttpClient, path: str, **kwargs: Any) -> dict[str, str]:
    response = client.request(kwargs.pop("method", "GET"), client.origin + path, **kwargs)
    assert response.status_code == 200
    return json.loads(response.text)


# --- connections ----------------------------------------------------------------------------
def test_requests_share_one_kept_alive_connection(server: _Server) -> None:
    client = client_for(server)

    for _ in range(3):
        echo(client, "/keep")
    echo(client, "/keep", method="POST", data={"a": "1"})

    assert server.accepted == 1
    assert client.connections_opened == 1
    client.close()


def test_a_connection_close_answer_is_followed_by_a_new_connection(server: _Server) -> None:
    client = client_for(server)

    echo(client, "/close")
    echo(client, "/close", method="POST", data={"a": "1"})
    echo(client, "/keep")
    echo(client, "/keep")

    assert server.accepted == 3
    assert server.methods == ["GET", "POST", "GET", "GET"]
    client.close()


def test_an_idle_connection_the_server_closed_is_replaced_before_the_next_request(
    server: _Server,
) -> None:
    client = client_for(server)
    echo(client, "/drop")
    assert server.closed.acquire(timeout=5)

    echo(client, "/keep", method="POST", data={"a": "1"})

    assert server.accepted == 2
    assert server.methods == ["GET", "POST"]
    client.close()


def test_a_stale_connection_is_retried_once_for_a_get(
    server: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The check before reuse can lose the race with the server's close; then the GET meets the
    # closed socket and is sent again on a fresh connection.
    monkeypatch.setattr(bot_http, "_dropped", lambda sock: False)
    client = client_for(server)
    echo(client, "/drop")
    assert server.closed.acquire(timeout=5)

    assert echo(client, "/keep")["method"] == "GET"

    assert server.accepted == 2
    assert client.connections_opened == 2
    client.close()


def test_a_post_is_sent_again_when_sending_it_on_a_kept_connection_failed(
    server: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot_http, "_dropped", lambda sock: False)
    client = client_for(server)
    echo(client, "/keep")
    kept = client._connection
    assert kept is not None and kept.sock is not None
    kept.sock.shutdown(socket.SHUT_WR)  # the next send fails: nothing of the POST leaves

    assert echo(client, "/keep", method="POST", data={"a": "1"})["body"] == "a=1"

    assert server.methods == ["GET", "POST"]
    assert server.accepted == 2
    client.close()


def test_a_request_sent_whole_but_never_answered_is_retried_once_as_a_get_never_as_a_post(
    server: _Server,
) -> None:
    # /vanish reads the request and closes without a byte of an answer: a worker killed in
    # the middle of a request, or a stale socket, which the client cannot tell apart.
    client = client_for(server)
    echo(client, "/keep")

    with pytest.raises(bot_http.STALE_CONNECTION):
        client.request("POST", server.url + "/vanish", data={"a": "1"})
    assert server.methods == ["GET", "POST"]  # the server may have stored it: sent once

    echo(client, "/keep")
    with pytest.raises(bot_http.STALE_CONNECTION):
        client.request("GET", server.url + "/vanish")
    assert server.methods == ["GET", "POST", "GET", "GET", "GET"]  # the GET once more
    assert server.accepted == 3  # ... and on a fresh connection
    client.close()


def test_a_copy_has_its_own_connection_and_the_cookies_so_far(server: _Server) -> None:
    client = client_for(server)
    echo(client, "/cookies")
    twin = client.copy()

    sent = echo(twin, "/keep")
    echo(client, "/keep")

    assert sent["cookie"] == "sid=abc; csrftoken=x1"
    assert server.accepted == 2
    twin.cookies.store(host=LOCAL, request_path="/", headers=["only=twin"])
    assert "only=twin" not in echo(client, "/keep")["cookie"]
    client.close()
    twin.close()


def test_headers_and_a_url_encoded_form_body(server: _Server) -> None:
    client = client_for(server)

    sent = echo(
        client,
        "/form?x=1",
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


def test_a_timeout_becomes_a_bot_failure(server: _Server) -> None:
    bot = Bot(base_url=server.url, slug="x", index=0, pid="p", rng=random.Random(1), timeout_s=0.2)
    url = server.url + "/slow"

    with pytest.raises(BotFailure, match=r"^GET /slow: TimeoutError$"):
        bot._send("GET", url, None, url, "GET slow")
    assert bot.result.requests == []


def test_a_refused_connection_becomes_a_bot_failure() -> None:
    with socket.socket() as probe:  # a port nothing listens on once this is closed
        probe.bind((LOCAL, 0))
        port = probe.getsockname()[1]
    url = f"http://{LOCAL}:{port}/s/x/"
    bot = Bot(base_url=url, slug="x", index=0, pid="p", rng=random.Random(1), timeout_s=2)

    with pytest.raises(BotFailure, match=r"^POST /s/x/: ConnectionRefusedError$"):
        bot._send("POST", url, {"a": "1"}, url, "POST landing")


def test_the_bot_records_each_request_with_its_status_and_latency(server: _Server) -> None:
    bot = Bot(base_url=server.url, slug="x", index=0, pid="p", rng=random.Random(1))
    url = server.url + "/cookies"

    response = bot._send("GET", url, None, url, "GET landing")

    assert response.status_code == 200
    [request] = bot.result.requests
    assert (request.label, request.status) == ("GET landing", 200)
    assert 0 < request.seconds == bot.result.latencies_s[0] < 5
    bot.client.close()


# --- the cookie jar -------------------------------------------------------------------------
def jar_with(*headers: str, host: str = LOCAL, request_path: str = "/") -> CookieJar:
    jar = CookieJar()
    jar.store(host=host, request_path=request_path, headers=list(headers), now=NOW)
    return jar


def sent(jar: CookieJar, path: str, host: str = LOCAL, https: bool = False) -> str:
    return jar.header(host=host, path=path, https=https, now=NOW + 1)


def test_a_cookie_goes_only_to_the_paths_under_its_path() -> None:
    jar = jar_with("bt_pilot=t1; Path=/s/pilot/", "mark=m; Path=/s/", "sid=s; Path=/")

    assert sent(jar, "/s/pilot/flow/") == "bt_pilot=t1; mark=m; sid=s"
    assert sent(jar, "/s/other/") == "mark=m; sid=s"
    assert sent(jar, "/dashboard/") == "sid=s"
    assert sent(jar, "/s") == "sid=s"


def test_a_path_without_a_slash_matches_only_whole_segments() -> None:
    jar = jar_with("a=1; Path=/s/pilot")

    assert sent(jar, "/s/pilot") == "a=1"
    assert sent(jar, "/s/pilot/flow/") == "a=1"
    assert sent(jar, "/s/pilotx/") == ""


def test_the_default_path_is_the_request_path_up_to_its_last_slash() -> None:
    assert default_path("/s/pilot/flow/") == "/s/pilot/flow"
    assert default_path("/s/pilot") == "/s"
    assert default_path("/landing") == "/"
    assert default_path("") == "/"
    jar = jar_with("a=1", request_path="/s/pilot/landing")

    assert jar.value("a", host=LOCAL, path="/s/pilot") == "1"
    assert sent(jar, "/s/pilot/flow/") == "a=1"
    assert sent(jar, "/dashboard/") == ""


def test_max_age_zero_or_a_past_expiry_deletes_the_cookie() -> None:
    jar = jar_with("a=1; Path=/", "b=2; Path=/", "c=3; Path=/")
    assert sent(jar, "/") == "a=1; b=2; c=3"

    jar.store(
        host=LOCAL,
        request_path="/",
        headers=[
            "a=; Max-Age=0; Path=/",
            "b=; expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/",
            "c=; Max-Age=0; Path=/elsewhere",  # another path: another cookie, c stays
        ],
        now=NOW,
    )

    assert sent(jar, "/") == "c=3"
    assert len(jar) == 1


def test_a_cookie_is_dropped_when_its_time_runs_out() -> None:
    jar = jar_with(
        "short=1; Max-Age=10; Path=/",
        "long=2; Expires=Wed, 01 Jan 2031 00:00:00 GMT; Path=/",
        # Max-Age wins over Expires (RFC 6265 5.3): this one ends after 5 seconds.
        "later=3; expires=Fri, 01 Jan 2100 00:00:00 GMT; Max-Age=5; Path=/",
    )

    assert jar.header(host=LOCAL, path="/", https=False, now=NOW + 4) == "short=1; long=2; later=3"
    assert jar.header(host=LOCAL, path="/", https=False, now=NOW + 6) == "short=1; long=2"
    assert jar.header(host=LOCAL, path="/", https=False, now=NOW + 11) == "long=2"
    assert len(jar) == 1


def test_secure_cookies_go_back_over_http_to_loopback_hosts_only() -> None:
    for host in ("127.0.0.1", "localhost", "::1"):
        jar = jar_with("bt=t; Path=/; Secure", "plain=p; Path=/", host=host)
        assert sent(jar, "/", host=host) == "bt=t; plain=p"

    jar = jar_with("bt=t; Path=/; Secure", "plain=p; Path=/", host="study.example.org")
    assert sent(jar, "/", host="study.example.org") == "plain=p"
    assert sent(jar, "/", host="study.example.org", https=True) == "bt=t; plain=p"


def test_a_cookie_goes_back_only_to_the_host_that_set_it() -> None:
    jar = jar_with("a=1; Path=/; Domain=example.org", host="study.example.org")

    assert sent(jar, "/", host="study.example.org") == "a=1"
    assert sent(jar, "/", host="other.example.org") == ""
    assert sent(jar, "/", host="example.org") == ""


def test_an_unreadable_set_cookie_line_is_ignored() -> None:
    jar = jar_with("no equals sign here", "ok=1; Path=/", 'bad"name=1')

    assert sent(jar, "/") == "ok=1"
