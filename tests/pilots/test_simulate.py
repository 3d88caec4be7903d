"""simulate_participants: scripted participants through the real HTTP flow, on Postgres.

Transactional tests: the local server (gunicorn) answers from its own process and connections, so
the data must really be committed for it to see.
"""

from __future__ import annotations

from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from braintrial.items.models import Item
from braintrial.participants.models import Participant, Trial
from braintrial.pilots.client import HttpxTransport
from braintrial.pilots.services import local_server
from braintrial.studies.models import Study
from braintrial.studies.services import study_create
from tests.participants.conftest import ensure_builtin_items, make_bank

pytestmark = pytest.mark.django_db(transaction=True)


def simulate(**options: Any) -> str:
    out = StringIO()
    call_command("simulate_participants", stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def spread_by_source(study: Study) -> dict[str, int]:
    """Highest minus lowest number of participants per test item, per source, from the rows."""
    held = Counter(
        Trial.objects.filter(participant__study=study, kind=Item.Kind.TEST).values_list(
            "item_id", flat=True
        )
    )
    spreads = {}
    for source in (Item.Source.HUMAN, Item.Source.GPT4):
        ids = Item.objects.filter(bank=study.bank, kind=Item.Kind.TEST, source=source)
        counts = [held.get(pk, 0) for pk in ids.values_list("pk", flat=True)]
        spreads[source] = max(counts) - min(counts)
    return spreads


def other_connections() -> int:
    """Database sessions on the test database besides this test's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


def test_ten_bots_complete_with_all_trials_answered_and_balanced_exposure(study: Study) -> None:
    before = other_connections()

    output = simulate(study=study.slug, n=10, concurrency=4, seed=7)

    assert "Completed: 10 of 10" in output
    assert "Failed: 0" in output
    assert "C0DE42 x10" in output
    assert "Balanced (spread <= 1 in every source): yes" in output
    participants = list(Participant.objects.filter(study=study))
    assert len(participants) == 10
    assert all(p.status == Participant.Status.COMPLETED for p in participants)
    assert all(p.recruitment_id.startswith("bot-") for p in participants)
    assert all(p.age is not None and p.outside_help is False for p in participants)
    for participant in participants:
        main = participant.trials.exclude(kind=Item.Kind.PRACTICE)
        assert main.filter(kind=Item.Kind.TEST, correct__isnull=False).count() == 9
        assert main.filter(kind=Item.Kind.CATCH, correct__isnull=False).count() == 2
        assert participant.trials.filter(kind=Item.Kind.PRACTICE, correct__isnull=False).exists()
    answered = Trial.objects.filter(participant__study=study, correct__isnull=False)
    assert answered.count() == 10 * 12
    assert not answered.filter(confidence_moved=False).exists()
    assert not answered.filter(expertise_moved=False).exists()
    assert all(1 <= t.confidence <= 100 and 1 <= t.expertise <= 100 for t in answered)
    assert all(t.rt_client_ms is not None and t.rt_client_ms >= 6000 for t in answered)
    # A coin per trial: 120 answers all one letter would mean the bot is not choosing.
    assert set(answered.values_list("choice", flat=True)) == {"A", "B"}
    assert spread_by_source(study) == {Item.Source.HUMAN: 0, Item.Source.GPT4: 0}
    # The local server closed its database connections when it stopped.
    assert other_connections() <= before


def test_bots_against_a_running_server_given_by_base_url(
    study: Study, live_server: Any, settings: Any
) -> None:
    # The live server serves plain http, as a development server does: cookies not Secure.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    output = simulate(study=study.slug, n=2, concurrency=2, base_url=live_server.url)

    assert "Completed: 2 of 2" in output
    assert live_server.url in output
    assert Participant.objects.filter(study=study, status="completed").count() == 2


def test_the_local_server_sends_no_secure_cookie_over_http_where_production_would(
    study: Study, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run where production's settings are set (behind a TLS proxy, cookies Secure), the
    pilot's gunicorn serves plain http on loopback all the same: no redirect to https, and
    cookies the bots' standard jar sends back over http."""
    for name in ("HTTPS", "TLS_PROXY", "NUM_PROXIES", "SECURE_COOKIES"):
        monkeypatch.setenv(name, "1")
    monkeypatch.setenv("DEBUG", "0")
    with local_server(workers=1) as url:
        transport = HttpxTransport(timeout_s=30, user_agent="test-bot")
        page = f"{url}/s/{study.slug}/"
        landing = transport.request("GET", page, data=None, headers={}, label="")
        cookies = {cookie.name: cookie for cookie in transport.cookies}
        start = transport.request(
            "POST",
            page,
            data={"csrfmiddlewaretoken": cookies["csrftoken"].value or ""},
            headers={"Origin": url, "Referer": page},
            label="",
        )
        transport.close()

    assert landing.status_code == 200
    assert {"csrftoken", "bt_mark"} <= set(cookies)
    assert not any(cookie.secure for cookie in cookies.values())
    assert start.status_code == 302  # the CSRF cookie came back: the participant started
    assert Participant.objects.filter(study=study).count() == 1


def test_prolific_study_bots_carry_the_prolific_ids(bank: list[Item]) -> None:
    study = study_create(
        slug="prolific", title="Prolific", bank="testbank", prolific_mode=True, is_open=True
    )

    output = simulate(study=study.slug, n=1, concurrency=1)

    assert "Completed: 1 of 1" in output
    participant = Participant.objects.get(study=study)
    assert participant.recruitment_source == Participant.RecruitmentSource.PROLIFIC
    assert participant.prolific_session_id.endswith("-s")


def test_bots_end_on_the_completion_page_without_visiting_the_completion_url(
    bank: list[Item],
) -> None:
    study = study_create(
        slug="redirect",
        title="Redirect",
        bank="testbank",
        completion_url="https://example.org/done",
        is_open=True,
    )

    output = simulate(study=study.slug, n=2, concurrency=2)

    assert "Completed: 2 of 2" in output
    # The completion page offers the URL (and a script follows it); a bot does not go there.
    assert "sent to" not in output
    assert "Completion: (none) x2" in output
    assert Participant.objects.filter(study=study, status="completed").count() == 2


def test_bots_that_cannot_finish_are_reported_with_the_reason() -> None:
    ensure_builtin_items()
    # Three human papers for a study that needs six, opened behind the services' back: the
    # start is refused before consent.
    make_bank(bank="tiny", n_human=3, n_gpt4=3)
    study = study_create(slug="tiny", title="Too small", bank="tiny")
    Study.objects.filter(pk=study.pk).update(is_open=True)
    out = StringIO()

    with pytest.raises(CommandError, match="3 of 3 simulated participants did not complete"):
        call_command(
            "simulate_participants",
            study=study.slug,
            n=3,
            concurrency=3,
            stdout=out,
            stderr=StringIO(),
        )

    report = out.getvalue()
    assert "Completed: 0 of 3" in report
    assert "3 x landing page: HTTP 200 'Too small': This study is not ready for participants" in (
        report
    )
    assert not Participant.objects.filter(study=study).exists()  # nobody reached the consent


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"study": "nope", "n": 1}, "No study with slug 'nope'"),
        ({"study": "pilot", "n": 0}, "--n must be at least 1"),
        ({"study": "pilot", "n": 1, "concurrency": 0}, "--concurrency must be between 1 and 100"),
        ({"study": "pilot", "n": 1, "concurrency": 101}, "--concurrency must be between 1"),
        ({"study": "pilot", "n": 1, "base_url": "ftp://x"}, "--base-url must be an http"),
    ],
)
def test_invalid_arguments_are_refused_before_any_participant_starts(
    study: Study, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        simulate(**options)
    assert not Participant.objects.exists()


def test_closed_study_is_refused_with_a_clear_error(study: Study) -> None:
    Study.objects.filter(pk=study.pk).update(is_open=False)

    with pytest.raises(CommandError, match="Study 'pilot' is closed"):
        simulate(study=study.slug, n=1)
    assert not Participant.objects.exists()


def test_local_server_refused_when_allowed_hosts_would_refuse_it(
    study: Study, settings: Any
) -> None:
    settings.ALLOWED_HOSTS = ["study.example.org"]

    with pytest.raises(CommandError, match=r"ALLOWED_HOSTS does not include 127\.0\.0\.1"):
        simulate(study=study.slug, n=1)
    assert not Participant.objects.exists()
