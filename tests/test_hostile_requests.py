"""Never a 5xx for a request an attacker shapes: on every address, anonymous and logged in.

Through the real WSGI entry point (braintrial.wsgi), as gunicorn calls it: an unreadable
Content-Type header failed there, before any middleware, where the test client does not reach.
Before: ``charset*=bogus''%41`` (an RFC 2231 parameter) was a bare 500 on any address, GET
included; multipart in rot13, base64 or zlib a 500 on every POST address but the participant
pages; a JSON body nested 5,000 deep a 500 (RecursionError) on every JSON endpoint, the token
login included; a NUL in any query parameter and ``X-Forwarded-Port: -5`` a 500 on the API and
the CSV downloads.
"""

from __future__ import annotations

import io
import logging
import wsgiref.util
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token

from braintrial.wsgi import application
from tests.factories import study_editor_grant, study_make

pytestmark = pytest.mark.django_db

FILLERS = {
    "slug": "hostile", "pk": "1", "item_id": "1", "run_id": "1", "kind": "trials",
    "bundle": "plotly", "bank": "hostile-bank", "submission_id": "1", "number": "1",
    "challenge_id": "1",
}  # fmt: skip


def _routes(patterns: list, prefix: str = "/") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def every_address() -> list[str]:
    """Every route of the project (the admin's own below its login page), its parameters
    filled in with the test study's."""
    addresses = {"/admin/", "/admin/login/", "/admin/studies/study/"}
    for route in _routes(get_resolver().url_patterns):
        if route.startswith("/admin/"):
            continue
        for name, value in FILLERS.items():
            for converter in ("slug", "int", "str", "export_kind"):
                route = route.replace(f"<{converter}:{name}>", value)
        assert "<" not in route, route
        addresses.add(route)
    return sorted(addresses)


@dataclass
class Attack:
    method: str = "GET"
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    content_type: str = ""
    refused: bool = True  # a 400 everywhere, before any view


BOUNDARY = "----hostile"
MULTIPART = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="title"\r\n\r\ncaf\u00e9\r\n'
    f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename*=rot13''k.csv\r\n"
    f"Content-Type: text/csv\r\n\r\na,b\r\n--{BOUNDARY}--\r\n"
).encode()
DEEP = b"[" * 5000 + b"]" * 5000

ATTACKS = {
    "rfc2231-get": Attack(content_type="text/plain; charset*=bogus''%41"),
    "rfc2231-post": Attack(
        method="POST",
        body=b"a=b",
        content_type="application/x-www-form-urlencoded; charset*=bogus''%41",
    ),
    **{
        f"multipart-{codec}": Attack(
            method="POST",
            body=MULTIPART,
            content_type=f"multipart/form-data; boundary={BOUNDARY}; charset={codec}",
        )
        for codec in ("rot13", "base64", "zlib")
    },
    "form-rot13": Attack(
        method="POST",
        body=b"title=caf%C3%A9",
        content_type="application/x-www-form-urlencoded; charset=rot13",
    ),
    "json-5000-deep": Attack(
        method="POST", body=DEEP, content_type="application/json", refused=False
    ),
    "nul-query": Attack(query="x=%00&study=%00&recruitment_id=a%00b"),
    "nul-query-post": Attack(
        method="POST", query="x=%00", body=b"a=b", content_type="application/x-www-form-urlencoded"
    ),
    "forwarded-port": Attack(headers={"X-Forwarded-Port": "-5"}),
    "forwarded-port-huge": Attack(headers={"X-Forwarded-Port": "99999999999999999999"}),
    "oversized-headers": Attack(
        headers={
            "User-Agent": "u" * 65_000,
            "Accept-Language": "de;q=0.9," * 8_000,
            "Referer": "https://example.org/" + "r" * 65_000,
            "Authorization": "Token " + "t" * 10_000,
        },
        refused=False,
    ),
}


def _call(address: str, attack: Attack, *, cookie: str, token: str) -> tuple[int, bytes]:
    environ: dict = {
        "REQUEST_METHOD": attack.method,
        "PATH_INFO": address,
        "QUERY_STRING": attack.query,
        "SERVER_NAME": "testserver",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "192.0.2.7",
        "wsgi.input": io.BytesIO(attack.body),
        "CONTENT_LENGTH": str(len(attack.body)),
    }
    wsgiref.util.setup_testing_defaults(environ)
    if attack.content_type:
        environ["CONTENT_TYPE"] = attack.content_type
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Token {token}"
    for name, value in attack.headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    status: list[str] = []
    result = application(environ, lambda s, h, e=None: status.append(s))
    try:
        body = b"".join(result)
    finally:
        result.close()
    return int(status[0].split()[0]), body


@pytest.fixture
def wsgi_in_test_transaction() -> Iterator[None]:
    """As the test client does: a request must not close the test's database connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("attack", sorted(ATTACKS))
@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "researcher"])
def test_no_shaped_request_gets_a_5xx_on_any_address(
    attack: str, logged_in: bool, wsgi_in_test_transaction: None, caplog: pytest.LogCaptureFixture
) -> None:
    made = study_make("hostile", n_people=1)
    study_editor_grant(made.researcher)
    cookie = token = ""
    if logged_in:
        client = Client()
        client.force_login(made.researcher)
        cookie = f"sessionid={client.cookies['sessionid'].value}"
        token = Token.objects.create(user=made.researcher).key
    shaped = ATTACKS[attack]
    answers = {}
    with caplog.at_level(logging.WARNING):
        for address in every_address():
            answers[address] = _call(address, shaped, cookie=cookie, token=token)
    failed = {a: (s, b[:120]) for a, (s, b) in answers.items() if s >= 500}
    assert not failed
    if shaped.refused:
        assert {a: s for a, (s, _) in answers.items() if s != 400} == {}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "researcher"])
def test_a_deeply_nested_json_body_is_a_400_where_json_is_read(
    logged_in: bool, wsgi_in_test_transaction: None
) -> None:
    made = study_make("hostile", n_people=0, scored=False)
    study_editor_grant(made.researcher)
    token = Token.objects.create(user=made.researcher).key if logged_in else ""
    addresses = ["/api/auth/token/"]
    if logged_in:
        addresses += ["/api/studies/create/", "/api/runs/start/"]
    for address in addresses:
        for body in (DEEP, b'{"a":' * 40 + b"1" + b"}" * 40):
            status, content = _call(
                address,
                Attack(method="POST", body=body, content_type="application/json"),
                cookie="",
                token=token,
            )
            assert (address, status) == (address, 400), content[:200]
            assert b"nested" in content
