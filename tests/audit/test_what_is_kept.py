"""What an audit entry keeps: who acted, as they were named then, and what they did; nothing a
client sent (no address, port or correlation id), no query string, nothing an anonymous client
can grow without bound. Every download is in it, and its text output cannot be forged."""

from __future__ import annotations

import json
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from braintrial.items.models import Item, ItemBank
from braintrial.studies.models import Study
from tests.participants.test_withdrawal import complete, researcher_of

pytestmark = pytest.mark.django_db
CLIENT = "198.51.100.99"
# What a client behind the proxy sends; the proxy appends the address it saw.
HEADERS = {
    "HTTP_X_FORWARDED_FOR": CLIENT,
    "HTTP_X_FORWARDED_PORT": "4444",
    "HTTP_X_CORRELATION_ID": "trace-7f3a",
}


def whole_log(since: int = 0) -> str:
    """Every column of every entry after ``since``, as the database holds it (the log is
    append-only: entries earlier tests of this process committed stay, and are not this test's)."""
    return json.dumps(list(LogEntry.objects.filter(pk__gt=since).values()), default=str)


def last_entry() -> int:
    last = LogEntry.objects.order_by("-pk").first()
    return last.pk if last else 0


def audit_text(capsys: Any, *args: str) -> str:
    capsys.readouterr()
    call_command("audit_log", *args)
    return str(capsys.readouterr().out)


def downloads(study: Study) -> int:
    return LogEntry.objects.filter(
        additional_data__event="data.download", additional_data__study_id=study.pk
    ).count()


def test_no_address_port_or_client_header_is_kept_for_a_withdrawal_or_a_researcher(
    study: Study, settings: Any, capsys: Any
) -> None:
    settings.NUM_PROXIES = 1
    since = last_entry()
    browser = Client(**HEADERS)
    reference = complete(browser, study, pid="WITHDRAWS")
    done = browser.post(f"/s/{study.slug}/withdraw/", {"how": "reference", "reference": reference})
    assert done.status_code == 200
    researcher = researcher_of(study)
    assert researcher.get(f"/exports/{study.slug}/trials.csv", **HEADERS).status_code == 200

    entries = LogEntry.objects.filter(pk__gt=since)
    assert {(e.additional_data or {}).get("event") for e in entries} >= {
        "participant.withdraw",
        "data.download",
    }
    assert all(e.remote_addr is None and e.remote_port is None and e.cid is None for e in entries)
    this_study = ("--study", study.slug)
    for kept in (
        whole_log(since),
        audit_text(capsys, *this_study),
        audit_text(capsys, *this_study, "--json"),
    ):
        assert CLIENT not in kept and "4444" not in kept and "trace-7f3a" not in kept
    page = researcher.get(f"/dashboard/{study.slug}/audit/").content.decode()
    assert "participant.withdraw" in page and CLIENT not in page


def test_a_download_keeps_the_validated_filters_not_the_query_string(study: Study) -> None:
    api = researcher_of(study)
    since = last_entry()
    url = f"/api/participants/?study={study.slug}&recruitment_id=PPID0001&note=Jane+Doe"
    assert api.get(url).status_code == 200
    entry = LogEntry.objects.get(pk__gt=since, additional_data__event="data.download")
    assert entry.additional_data["details"]["filters"] == {"study": study.slug}
    assert "PPID0001" not in whole_log(since) and "Jane" not in whole_log(since)


@pytest.mark.parametrize("header", ["X-Correlation-ID", "X-Forwarded-Port"])
@pytest.mark.parametrize("value", ["c" * 300, "-5", "\u00e9\u00e9", "1" * 40])
def test_odd_client_headers_neither_fail_a_download_nor_reach_the_log(
    study: Study, header: str, value: str
) -> None:
    researcher = researcher_of(study)
    since = last_entry()
    meta = {"HTTP_" + header.upper().replace("-", "_"): value}
    # None of the values is a port number: the edge answers 400 before any view
    # (braintrial.security), so nothing is downloaded; a correlation id is not read at all.
    status, served = (400, 0) if header == "X-Forwarded-Port" else (200, 2)
    assert researcher.get(f"/api/trials/?study={study.slug}", **meta).status_code == status
    assert researcher.get(f"/exports/{study.slug}/trials.csv", **meta).status_code == status
    assert downloads(study) == served
    assert value not in whole_log(since)


@pytest.mark.parametrize(
    "url",
    [
        "/api/scores/?study={slug}",
        "/api/studies/{slug}/summary/",
        "/api/items/{item}/",
        "/api/runs/?study={slug}",
        "/api/runs/",
        "/dashboard/{slug}/participants/",
    ],
)
def test_every_read_of_study_data_is_recorded_as_a_download(study: Study, url: str) -> None:
    researcher = researcher_of(study)
    bank = ItemBank.objects.get_or_create(name=study.bank)[0]
    bank.owners.add(*study.researchers.all())  # the researcher's own bank: its items are theirs
    item = Item.objects.filter(bank=study.bank).first()
    assert item is not None
    since = last_entry()
    response = researcher.get(url.format(slug=study.slug, item=item.pk))
    assert response.status_code == 200
    assert downloads(study) == 1
    entry = LogEntry.objects.get(pk__gt=since, additional_data__event="data.download")
    assert entry.additional_data["actor"] == f"res-{study.slug}-True"


def test_an_entry_names_the_actor_as_they_were_named_then(study: Study, capsys: Any) -> None:
    alice = User.objects.create_user(username="alice")  # no e-mail address
    study.researchers.add(alice)
    api = APIClient()
    api.force_authenticate(alice)
    assert api.get(f"/api/trials/?study={study.slug}").status_code == 200
    alice.username = "mallory"
    alice.save()
    renamed = audit_text(capsys, "--study", study.slug, "--json")
    alice.delete()
    deleted = audit_text(capsys, "--study", study.slug, "--json")
    for text in (renamed, deleted):
        download = [json.loads(line) for line in text.splitlines() if "data.download" in line]
        assert [d["actor"] for d in download] == ["alice"]
        assert "mallory" not in text


def test_text_output_escapes_what_could_forge_a_line(study: Study, capsys: Any) -> None:
    forged = "2026-01-01T00:00:00Z\tmallory\tdata.download\tstudy x\t{}"
    study.title = f"Pilot\n{forged}\r\u2028\u0085\x1b[2J\\"
    study.save()
    researcher = researcher_of(study)
    assert researcher.get(f"/exports/{study.slug}/trials.csv").status_code == 200
    # One JSON line an entry of the study's (earlier tests may have left entries of theirs).
    entries = len(audit_text(capsys, "--study", study.slug, "--json").splitlines())
    text = audit_text(capsys, "--study", study.slug)
    lines = text.split("\n")[:-1]
    assert len(lines) == entries
    assert all(len(line.split("\t")) == 5 for line in lines)
    assert not any(ch in text for ch in "\r\u2028\u0085\x1b")
    assert "Pilot\\u000a2026-01-01T00:00:00Z\\u0009mallory" in text
    as_json = audit_text(capsys, "--study", study.slug, "--json").split("\n")[:-1]
    assert len(as_json) == entries
    assert any(json.loads(line)["object"] == f"study {study.title}" for line in as_json)


@pytest.fixture
def guessed(settings: Any) -> User:
    settings.AXES_FAILURE_LIMIT = 3
    cache.clear()
    return User.objects.create_user(username="guessed", password="the-right-password-1")


def guess(client: Client, username: str = "guessed", **extra: str) -> int:
    data = {"username": username, "password": "wrong"}
    return int(client.post("/accounts/login/", data, **extra).status_code)


def lockouts() -> list[LogEntry]:
    return list(LogEntry.objects.filter(additional_data__event="login.lockout"))


@pytest.mark.usefixtures("posts_like_a_browser")
def test_a_lockout_is_recorded_once_and_a_long_correlation_id_cannot_hide_it(
    guessed: User,
) -> None:
    client = Client(HTTP_X_CORRELATION_ID="x" * 300)
    statuses = [guess(client) for _ in range(3)]
    assert statuses[-1] == 429
    for _ in range(30):  # refused unchecked during the lockout
        assert guess(client) == 429
    (entry,) = lockouts()
    assert entry.object_pk == str(guessed.pk)
    assert entry.additional_data["details"] == {"username": "guessed"}
    assert entry.remote_addr is None and entry.cid is None


@pytest.mark.usefixtures("posts_like_a_browser")
def test_anonymous_guessing_at_names_that_are_no_account_writes_nothing(
    guessed: User, settings: Any
) -> None:
    settings.NUM_PROXIES = 1
    before = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for n in range(20):
        client = Client(HTTP_X_FORWARDED_FOR=f"2001:db8:{n}::1")
        for _ in range(4):
            guess(client, username=f"nobody-{n}")
    # Spread over addresses, the guesses at one real account lock it once.
    for n in range(6):
        guess(Client(HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"))
    assert [e.object_repr for e in lockouts()] == ["guessed"]
    assert LogEntry.objects.filter(pk__gt=before).count() == 1
