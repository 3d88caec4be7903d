"""After a withdrawal, and after the retention purge, nothing stored names the person: every table
of the database (each row read whole as text, so every text and JSON column of every model and
of the libraries' tables), every key and value in Redis, and every line the app logged.

The participant arrives from Prolific through a TLS proxy (the address in X-Forwarded-For), with
an unmistakable user agent, and walks the whole study through HTTP, Redis as the cache.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings

from braintrial.dashboard.services import study_report_refresh
from braintrial.participants.models import Participant
from braintrial.studies.models import Study
from tests.conftest import REDIS_GROUP
from tests.participants.conftest import answer_all, flow_url, walk_to_practice
from tests.participants.test_governance import close
from tests.participants.test_withdrawal import REFERENCE, researcher_of

# It flushes TEST_REDIS_URL's database: under xdist, on one worker with every test that does.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group(REDIS_GROUP)]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@dataclass(frozen=True)
class Person:
    """What identifies one participant: what they brought and what the server gave them."""

    pid: str
    study_id: str
    session_id: str
    address: str
    user_agent: str
    feedback: str
    challenge: str = ""
    token: str = ""
    mark: str = ""
    reference: str = ""

    def identifiers(self) -> dict[str, str]:
        """Each value that must be stored nowhere, by name."""
        found = {
            "recruitment id": self.pid,
            "Prolific study id": self.study_id,
            "Prolific session id": self.session_id,
            "client address": self.address,
            "user agent": self.user_agent,
            "session token": self.token,
            "session token hash": hashlib.sha256(self.token.encode()).hexdigest(),
            "browser mark": self.mark,
        }
        return {name: value for name, value in found.items() if value}


def person(tag: str, address: str) -> Person:
    return Person(
        pid=f"PPID{tag}X",
        study_id=f"PSTUDY{tag}X",
        session_id=f"PSESS{tag}X",
        address=address,
        user_agent=f"TraceBrowser/{tag} (unmistakable)",
        feedback=f"Feedback {tag} that names me",
        challenge=f"Challenge {tag} typed by me, Jane Roe",
    )


@pytest.fixture
def redis_cache() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    cache = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL}
    with override_settings(CACHES={"default": cache}, NUM_PROXIES=1):
        caches["default"].clear()
        yield client
    client.flushdb()


def take_part(study: Study, who: Person) -> tuple[Client, Person]:
    """The whole study through the proxy; ``who`` with the token, mark and reference it got."""
    browser = Client(
        REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=who.address, HTTP_USER_AGENT=who.user_agent
    )
    link = {"PROLIFIC_PID": who.pid, "STUDY_ID": who.study_id, "SESSION_ID": who.session_id}
    assert browser.get(f"/s/{study.slug}/", link).status_code == 200
    walk_to_practice(browser, study, **link)
    answer_all(browser, study)
    debrief = {"step": "debrief", "outside_help": "no", "feedback": who.feedback}
    assert browser.post(flow_url(study), debrief).status_code == 302
    match = REFERENCE.search(browser.get(flow_url(study)).content.decode())
    assert match
    # After the debrief, a problem reported with a test case, in free text.
    position = Participant.objects.get(recruitment_id=who.pid).trials.filter(kind="test")[0]
    report = {"position": position.position, "kind": "other", "text": who.challenge}
    assert browser.post(f"/s/{study.slug}/challenge/", report).status_code == 200
    mark = browser.cookies["bt_mark"].value
    return browser, Person(
        **{
            **who.__dict__,
            "token": browser.cookies[f"bt_{study.slug}"].value,
            "mark": mark.split(":", 1)[0],
            "reference": match.group(1),
        }
    )


def database_traces(values: dict[str, str]) -> list[str]:
    """Each (table, identifier) whose rows hold the identifier anywhere, as text."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            for name, value in values.items():
                cursor.execute(
                    f"SELECT count(*) FROM {quoted} t WHERE t::text ILIKE %s",
                    [f"%{value}%"],
                )
                if cursor.fetchone()[0]:
                    found.append(f"{table}: {name}")
    return found


def redis_traces(client: redis.Redis, values: dict[str, str]) -> list[str]:
    found = []
    for key in client.scan_iter():
        kind = client.type(key)
        if kind == b"string":
            blobs = [client.get(key) or b""]
        elif kind == b"hash":
            blobs = [k + b"=" + v for k, v in client.hgetall(key).items()]
        elif kind == b"list":
            blobs = client.lrange(key, 0, -1)
        elif kind in (b"set", b"zset"):
            blobs = list(client.smembers(key)) if kind == b"set" else client.zrange(key, 0, -1)
        else:
            blobs = []
        for name, value in values.items():
            if any(value.encode() in blob for blob in [key, *blobs]):
                found.append(f"redis {key!r}: {name}")
    return found


def log_traces(records: list[logging.LogRecord], values: dict[str, str]) -> list[str]:
    lines = [record.getMessage() for record in records]
    return [f"log: {name}" for name, value in values.items() for line in lines if value in line]


def traces(client: redis.Redis, records: list[logging.LogRecord], values: dict[str, str]) -> list:
    return database_traces(values) + redis_traces(client, values) + log_traces(records, values)


def test_a_withdrawal_leaves_no_identifier_in_any_table_redis_or_log(
    study: Study, redis_cache: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    Study.objects.filter(pk=study.pk).update(prolific_mode=True)
    study.refresh_from_db()
    _, gone = take_part(study, person("W7", "198.51.100.99"))
    _, stays = take_part(study, person("K3", "198.51.100.42"))
    researcher = researcher_of(study)
    # The researcher's reads fill the caches as they would (dashboard, API, CSV).
    for url in (
        f"/dashboard/{study.slug}/",
        f"/dashboard/{study.slug}/participants/",
        f"/api/participants/?study={study.slug}",
        f"/exports/{study.slug}/participants.csv",
    ):
        assert researcher.get(url).status_code == 200, url
    study_report_refresh(study=study, science=False)  # what the reports worker would cache
    withdrawer = Client(
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=gone.address,
        HTTP_USER_AGENT=gone.user_agent,
    )
    done = withdrawer.post(
        f"/s/{study.slug}/withdraw/", {"how": "reference", "reference": gone.reference}
    )
    assert done.status_code == 200
    assert researcher.get(f"/dashboard/{study.slug}/participants/").status_code == 200
    erased = {
        **gone.identifiers(),
        "feedback": gone.feedback,
        "challenge": gone.challenge,
        "withdrawal reference": gone.reference,
        "withdrawal key": hashlib.sha256(gone.reference.replace("-", "").encode()).hexdigest(),
    }
    assert traces(redis_cache, caplog.records, erased) == []
    assert redis_cache.dbsize() > 0  # the scan read something
    # The check can fail: the participant who stayed is found in every place it looks.
    kept = stays.identifiers()
    assert database_traces({"challenge": stays.challenge}) == ["participants_challenge: challenge"]
    assert database_traces({"id": kept["recruitment id"]})
    assert database_traces({"ua": kept["user agent"]})


def test_the_purge_leaves_no_identifier_in_any_table_redis_or_log(
    study: Study, redis_cache: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    Study.objects.filter(pk=study.pk).update(prolific_mode=True)
    study.refresh_from_db()
    _, done = take_part(study, person("P5", "198.51.100.77"))
    _, gone = take_part(study, person("G9", "198.51.100.78"))
    assert (
        Client()
        .post(f"/s/{study.slug}/withdraw/", {"how": "reference", "reference": gone.reference})
        .status_code
        == 200
    )
    row = Participant.objects.get(recruitment_id=done.pid)
    hashes = {"browser mark hash": row.browser_mark_hash, "address hash": row.address_hash}
    tomb = Participant.objects.get(status=Participant.Status.WITHDRAWN)
    hashes["repeat key"] = tomb.recruitment_key
    close(study, days_ago=study.identifier_retention_days + 1)
    call_command("purge_identifiers")
    erased = {**done.identifiers(), **gone.identifiers(), **hashes}
    assert traces(redis_cache, caplog.records, erased) == []
    # What the purge keeps, and says it keeps: the answers and what they told about themselves.
    assert database_traces({"feedback": done.feedback}) == ["participants_participant: feedback"]
    assert database_traces({"challenge": done.challenge}) == ["participants_challenge: challenge"]
