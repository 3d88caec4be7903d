"""Simultaneous Start clicks from one browser make one participant (issue 20, hole 4).

Before: six Start POSTs sent at once with one mark (and one CSRF token) made two or three
participant rows, mostly unflagged; the check for an earlier session and the insert were two
statements, and all six passed the check before any inserted. A unique index on the mark
among sessions in progress decides now: one insert wins, the others resume it.

Transactional: each request runs in its own thread, with its own Postgres connection.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from braintrial.participants.models import Participant
from braintrial.studies.models import Study
from braintrial.studies.services import study_create
from tests.participants.conftest import BANK, ensure_builtin_items, make_bank

CLICKS = 6


def _start_at_once(study: Study, client: Client, params: dict[str, str]) -> list[int]:
    """CLICKS copies of one browser (its cookies) post Start at the same moment."""
    barrier = threading.Barrier(CLICKS)
    statuses: list[int] = []

    def click() -> None:
        twin = Client(REMOTE_ADDR="203.0.113.40")
        twin.cookies = client.cookies
        try:
            barrier.wait(timeout=30)
            statuses.append(twin.post(f"/s/{study.slug}/", params).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(CLICKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("policy", [Study.RepeatPolicy.REFUSE, Study.RepeatPolicy.FLAG])
@pytest.mark.parametrize("params", [{}, {"pid": "same-person"}], ids=["direct", "pid"])
def test_simultaneous_starts_from_one_browser_make_one_participant(
    policy: str, params: dict[str, str]
) -> None:
    ensure_builtin_items()
    make_bank()
    study = study_create(
        slug="clicks", title="Clicks", bank=BANK, repeat_policy=policy, is_open=True,
        starts_per_address_per_hour=0,
    )  # fmt: skip
    for round_ in range(4):
        browser = Client(REMOTE_ADDR="203.0.113.40")
        assert browser.get(f"/s/{study.slug}/").status_code == 200  # the mark is issued here
        round_params = {k: f"{v}-{round_}" for k, v in params.items()}
        statuses = _start_at_once(study, browser, round_params)
        assert sorted(statuses) == [302] * CLICKS, statuses
        assert Participant.objects.count() == round_ + 1  # one more, never two
