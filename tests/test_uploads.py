"""No request body is read, or written to disk, before the upload is known to be allowed
(braintrial.studies.uploads).

Before: a 1 GB multipart file part sent anonymously to /accounts/logout/ (or /dashboard/, or
the item import) was written to a temporary file, 12.6 s, before the 403.
"""

from __future__ import annotations

import io
import wsgiref.util
from collections.abc import Iterator

import pytest
from django.core import signals
from django.core.files import uploadedfile
from django.db import close_old_connections
from django.test import Client
from rest_framework.authtoken.models import Token

from braintrial.wsgi import application
from tests.factories import study_editor_grant, study_make, user_make

pytestmark = pytest.mark.django_db

BOUNDARY = "----upload"


class CountingInput(io.BytesIO):
    """The request's body stream, counting what the server read of it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.taken = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk


def multipart(n_bytes: int) -> bytes:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="source"\r\n\r\nhuman\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    return head + b"x" * n_bytes + f"\r\n--{BOUNDARY}--\r\n".encode()


@pytest.fixture
def send() -> Iterator:
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)

    def call(
        path: str, body: bytes, *, cookie: str = "", token: str = "", length: int | None = None
    ):
        stream = CountingInput(body)
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "wsgi.input": stream,
            "CONTENT_LENGTH": str(len(body) if length is None else length),
            "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
            "HTTP_COOKIE": cookie,
        }
        if token:
            environ["HTTP_AUTHORIZATION"] = f"Token {token}"
        wsgiref.util.setup_testing_defaults(environ)
        status: list[str] = []
        result = application(environ, lambda s, h, e=None: status.append(s))
        b"".join(result)
        result.close()
        return int(status[0].split()[0]), stream.taken

    try:
        yield call
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


@pytest.fixture
def no_temporary_files(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    made: list[str] = []

    def refuse(*args, **kwargs):
        made.append("temporary file")
        raise AssertionError("an upload was written to a temporary file")

    monkeypatch.setattr(uploadedfile.tempfile, "NamedTemporaryFile", refuse)
    return made


@pytest.mark.parametrize(
    "path", ["/accounts/logout/", "/dashboard/", "/dashboard/up/items/import/"]
)
@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "researcher"])
def test_a_large_upload_where_none_is_taken_is_refused_unread(
    send, path: str, logged_in: bool, no_temporary_files: list[str]
) -> None:
    made = study_make("up", n_people=0, scored=False)
    study_editor_grant(made.researcher)
    cookie = _session(made.researcher) if logged_in else ""
    status, taken = send(path, multipart(3_000_000), cookie=cookie)
    assert (status, taken, no_temporary_files) == (413, 0, [])


def test_a_large_upload_is_read_only_for_who_may_import(send, no_temporary_files) -> None:
    made = study_make("up", n_people=0, scored=False)
    study_editor_grant(made.researcher)
    stranger = user_make("stranger")
    study_editor_grant(stranger)
    body = multipart(3_000_000)  # above Django's 2.5 MB, which went to a temporary file
    for cookie in ("", _session(stranger)):
        assert send("/dashboard/up/items/check/", body, cookie=cookie) == (403, 0)
        assert send("/api/studies/up/items/import/", body, cookie=cookie) == (403, 0)
    key = Token.objects.create(user=made.researcher).key
    status, taken = send("/api/studies/up/items/import/", body, token=key)
    assert status == 400  # read (in memory) and checked: not a test-case file
    assert taken == len(body) and no_temporary_files == []


def test_an_upload_above_the_cap_is_refused_by_its_length(send, settings) -> None:
    made = study_make("up", n_people=0, scored=False)
    study_editor_grant(made.researcher)
    cookie = _session(made.researcher)
    status, taken = send("/dashboard/up/items/check/", multipart(1000), cookie=cookie, length=10**9)
    assert (status, taken) == (413, 0)
