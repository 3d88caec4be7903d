"""Malformed requests to the workbench's endpoints get a 4xx and store nothing, anonymous or
logged in: odd charsets, broken multipart bodies, RFC 2231 file names, a file name with a NUL
or a path, a file field sent as text, an oversized or overlong file."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from braintrial.workbench.models import Candidate
from braintrial.workbench.services import candidates_check
from braintrial.workbench.sources import MAX_FILE_BYTES, MAX_RECORDS, csv_check

from .conftest import TEN_XML, Labs

pytestmark = pytest.mark.django_db
B = "----bt"
XML = TEN_XML.read_bytes()


def _part(disposition: str, body: bytes) -> bytes:
    return (
        f"--{B}\r\nContent-Disposition: form-data; {disposition}\r\n\r\n".encode() + body + b"\r\n"
    )


def _multipart(*parts: bytes, end: bool = True) -> bytes:
    return b"".join(parts) + (f"--{B}--\r\n".encode() if end else b"")


MULTIPART = f"multipart/form-data; boundary={B}"
FORM = "application/x-www-form-urlencoded"
BODIES = {
    "rfc2231-name": (
        _multipart(_part("name=\"file\"; filename*=UTF-8''%E2%80%AEten.xml", XML)),
        MULTIPART,
    ),
    "nul-in-name": (_multipart(_part('name="file"; filename="ten\x00.xml"', XML)), MULTIPART),
    "path-in-name": (
        _multipart(_part('name="file"; filename="../../etc/ten.csv"', b"title\n")),
        MULTIPART,
    ),
    "file-as-text": (_multipart(_part('name="file"', XML)), MULTIPART),
    "unterminated": (_multipart(_part('name="file"; filename="t.xml"', XML), end=False), MULTIPART),
    "no-boundary": (_multipart(_part('name="file"; filename="t.xml"', XML)), "multipart/form-data"),
    "utf-16-form": ("title=caf\u00e9&doi=10.1/x".encode("utf-16"), f"{FORM}; charset=utf-16"),
    "latin-1-form": ("title=caf\u00e9".encode("latin-1"), f"{FORM}; charset=latin-1"),
    "undecodable": (b"title=\xff\xfe\xc3\x28&doi=10.5555/a", FORM),
}  # fmt: skip
READABLE = {"rfc2231-name", "nul-in-name"}
ENDPOINTS = [
    "/dashboard/workbench/sources/lab-a/check/",
    "/dashboard/workbench/sources/lab-a/import/",
    "/dashboard/workbench/sources/lab-a/paste/",
]


@pytest.mark.parametrize("body", sorted(BODIES))
@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "owner"])
def test_a_malformed_body_gets_a_4xx_and_stores_nothing(
    labs: Labs, endpoint: str, body: str, logged_in: bool, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client(raise_request_exception=False)
    if logged_in:
        client.force_login(labs.owner)
    data, content_type = BODIES[body]
    with caplog.at_level(logging.WARNING):
        response = client.generic("POST", endpoint, data, content_type=content_type)
    if not logged_in:  # refused as unreadable, or sent to log in first
        assert response.status_code in {302, 400}
        assert response.status_code == 400 or "/accounts/login/" in response["Location"]
    elif body in READABLE and endpoint.endswith("/check/"):
        # A well-formed file under an odd name: checked like any other (nothing stored).
        assert response.status_code == 200, response.content[:300]
    else:
        assert 400 <= response.status_code < 500, response.content[:300]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert Candidate.objects.count() == 0


def test_an_oversized_file_is_refused_before_it_is_parsed(labs: Labs) -> None:
    preview = candidates_check(
        user=labs.owner, bank=labs.bank, content=b" " * (MAX_FILE_BYTES + 1), name="big.xml"
    )
    assert preview.errors == ["big.xml: larger than 16 MB; split the file"]


def test_a_file_of_more_records_than_the_limit_is_refused() -> None:
    header = "title,abstract,doi,journal,publication_date,section\n"
    rows = "".join(f"T,A,10.5555/n.{i},J,2025,\n" for i in range(MAX_RECORDS + 1))
    check = csv_check(content=(header + rows).encode(), name="many.csv")
    assert "many.csv: more than 2,000 records; split the file" in check.errors


@pytest.mark.parametrize("body", sorted(READABLE))
def test_a_file_with_an_odd_name_imports_under_a_clean_one(labs: Labs, body: str) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(labs.owner)
    data, content_type = BODIES[body]
    check = client.generic("POST", ENDPOINTS[0], data, content_type=content_type)
    assert check.status_code == 200
    assert client.post(ENDPOINTS[1]).status_code == 302
    (name,) = set(Candidate.objects.values_list("source_file", flat=True))
    assert name.endswith("ten.xml")
    assert "\x00" not in name and "\u202e" not in name, repr(name)
