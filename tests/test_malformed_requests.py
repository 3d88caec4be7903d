"""Never a 5xx for a malformed request (issue 20, hole 2).

Before: a form POST with ``charset=latin-1`` (or utf-16, cp1252) answered a bare 500 on every
form page. Django refuses the body with BadRequest; its 400 and 500 handlers re-ran the CSRF
check, which read the body again and failed again, and each request logged a long traceback.
Every form endpoint gets every bad body here, with a valid CSRF token, as a browser would send.
"""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from braintrial.studies.models import Study
from tests.factories import study_make

pytestmark = pytest.mark.django_db

FORM_ENDPOINTS = [
    "/s/{slug}/",
    "/s/{slug}/flow/",
    "/accounts/login/",
    "/admin/login/",
    "/accounts/logout/",
    "/dashboard/studies/new/",
    "/dashboard/{slug}/settings/",
    "/dashboard/{slug}/researchers/",
    "/dashboard/{slug}/items/check/",
    "/dashboard/{slug}/items/import/",
    "/dashboard/{slug}/runs/",
]
FIELDS = "csrfmiddlewaretoken={token}&username=r\u00e9searcher&password=p\u00e4ss&consent=agree"
BOUNDARY = "----braintrial"


def _multipart(token: str, charset: str = "utf-8") -> bytes:
    part = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
        f'{token}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="title"\r\n\r\n'
        "caf\u00e9\r\n"
    )
    return part.encode(charset)  # no closing boundary in some of the cases below


BODIES = {
    "latin-1": lambda t: (
        FIELDS.format(token=t).encode("latin-1"),
        "application/x-www-form-urlencoded; charset=latin-1",
    ),
    "utf-16": lambda t: (
        FIELDS.format(token=t).encode("utf-16"),
        "application/x-www-form-urlencoded; charset=utf-16",
    ),
    "cp1252": lambda t: (
        FIELDS.format(token=t).encode("cp1252"),
        "application/x-www-form-urlencoded; charset=cp1252",
    ),
    "unknown-charset": lambda t: (
        FIELDS.format(token=t).encode(),
        "application/x-www-form-urlencoded; charset=no-such-charset",
    ),
    "undecodable-bytes": lambda t: (
        f"csrfmiddlewaretoken={t}&title=\xff\xfe".encode("latin-1") + b"\xc3\x28\xa0\xa1",
        "application/x-www-form-urlencoded",
    ),
    "multipart-unterminated": lambda t: (
        _multipart(t),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    "multipart-no-boundary": lambda t: (_multipart(t), "multipart/form-data"),
    "multipart-utf-16": lambda t: (
        _multipart(t, "utf-16"),
        f"multipart/form-data; boundary={BOUNDARY}; charset=utf-16",
    ),
    # Codecs that are no text encodings (issue 27): a LookupError deep in the parser, a 500.
    **{
        f"multipart-{codec}": (
            lambda t, codec=codec: (
                _multipart(t) + f"--{BOUNDARY}--\r\n".encode(),
                f"multipart/form-data; boundary={BOUNDARY}; charset={codec}",
            )
        )
        for codec in ("rot13", "base64", "zlib")
    },
    "form-rot13": lambda t: (
        FIELDS.format(token=t).encode(),
        "application/x-www-form-urlencoded; charset=rot13",
    ),
    "multipart-part-rfc2231": lambda t: (
        _multipart(t)
        + (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            f"filename*=bogus''%41\r\n\r\nx\r\n--{BOUNDARY}--\r\n"
        ).encode(),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
}

REFUSED = {
    "latin-1", "utf-16", "cp1252", "multipart-no-boundary", "multipart-rot13",
    "multipart-base64", "multipart-zlib", "form-rot13",
}  # fmt: skip


@pytest.fixture
def study() -> Study:
    made = study_make("bodies")
    permissions = Permission.objects.filter(codename__in=["add_study", "change_study"])
    made.researcher.user_permissions.add(*permissions)  # type: ignore[attr-defined]
    return made.study


def _client(study: Study, *, logged_in: bool) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    if logged_in:
        client.force_login(study.researchers.get())
    client.get(f"/s/{study.slug}/")  # any page that sets the CSRF cookie
    client.get("/accounts/login/")
    return client, client.cookies["csrftoken"].value


@pytest.mark.parametrize("body", sorted(BODIES))
@pytest.mark.parametrize("endpoint", FORM_ENDPOINTS)
@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "researcher"])
def test_a_malformed_form_body_gets_a_4xx_page_and_one_log_line(
    study: Study, endpoint: str, body: str, logged_in: bool, caplog: pytest.LogCaptureFixture
) -> None:
    client, token = _client(study, logged_in=logged_in)
    data, content_type = BODIES[body](token)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        response = client.generic(
            "POST", endpoint.format(slug=study.slug), data, content_type=content_type
        )
    assert response.status_code < 500, response.content[:300]
    # Undecodable bytes are read as U+FFFD and an unknown charset as UTF-8: a form, if an odd
    # one, which the page may take. The others cannot be read at all.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    if body in REFUSED:
        assert response.status_code >= 400
        # One line, not a traceback for each request anyone can send.
        assert not [r for r in caplog.records if r.exc_info]
        assert sum(len(r.getMessage()) for r in caplog.records) < 500


@pytest.mark.parametrize("endpoint", ["/s/{slug}/", "/accounts/login/", "/admin/login/"])
def test_the_latin_1_form_is_answered_with_a_readable_400_page(study: Study, endpoint: str) -> None:
    client, token = _client(study, logged_in=False)
    data, content_type = BODIES["latin-1"](token)
    response = client.generic(
        "POST", endpoint.format(slug=study.slug), data, content_type=content_type
    )
    assert response.status_code == 400
    assert b"could not be read" in response.content


@pytest.mark.parametrize("endpoint", ["/accounts/login/", "/admin/login/"])
def test_login_pages_refuse_multipart_bodies_before_parsing_them(
    study: Study, endpoint: str
) -> None:
    """Before: an anonymous 30 MB multipart upload to the login page was parsed."""
    client, token = _client(study, logged_in=False)
    upload = _multipart(token) + b"x" * 1_000_000 + f"\r\n--{BOUNDARY}--\r\n".encode()
    response = client.post(
        endpoint, upload, content_type=f"multipart/form-data; boundary={BOUNDARY}"
    )
    assert response.status_code == 415


def test_the_csrf_failure_page_does_not_read_the_body(study: Study) -> None:
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    response = client.post(
        "/accounts/login/",
        "username=a&password=b",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 403
    assert b"out of date" in response.content


@pytest.mark.parametrize("path", ["/s/no-such-study/", "/dashboard/no-such/", "/no/such/page/"])
def test_error_pages_for_unknown_addresses_are_plain_404s(client: Client, path: str) -> None:
    assert client.get(path).status_code in (302, 404)
