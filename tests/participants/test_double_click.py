"""A double click sends the same answer twice at the same moment: both requests are answered
with the way on, and the answer is stored once. Of two different answers at the same moment, the
first stands.

Transactional: the two requests run in two threads with their own database connections.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from braintrial.items.models import Item
from braintrial.participants.models import Trial
from braintrial.participants.services.answers import TrialAnswer, trial_answer_submit
from braintrial.studies.services import study_create
from tests.participants.conftest import (
    BANK,
    answer_data,
    current_position,
    ensure_builtin_items,
    flow_url,
    make_bank,
    walk_to_practice,
)


@pytest.mark.django_db(transaction=True)
def test_double_clicked_answers_are_both_acknowledged_and_stored_once() -> None:
    ensure_builtin_items()
    make_bank()
    study = study_create(slug="clicks", title="Clicks", bank=BANK, is_open=True)
    client = Client()
    participant = walk_to_practice(client, study)
    statuses: list[int] = []
    for _ in range(12):
        position, _page = current_position(client, study)
        data = answer_data(position, "practice" if position == 0 else "trials")
        twin = Client()
        twin.cookies = client.cookies
        barrier = threading.Barrier(2)

        def post(who: Client, data: dict[str, Any] = data, barrier: Any = barrier) -> None:
            try:
                barrier.wait(timeout=30)
                statuses.append(who.post(flow_url(study), data).status_code)
            finally:
                connection.close()

        threads = [threading.Thread(target=post, args=(who,)) for who in (client, twin)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert statuses == [302] * 24
    answered = Trial.objects.filter(participant=participant, correct__isnull=False)
    assert answered.count() == 12
    assert set(answered.values_list("choice", flat=True)) == {"A"}
    assert answered.filter(kind=Item.Kind.TEST).count() == 9


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return bool(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_of_two_different_answers_sent_at_once_the_first_stands() -> None:
    """The first answer is stored but not yet committed when a different one arrives: the second
    waits for the row, then finds the trial answered and is refused; the first stands."""
    ensure_builtin_items()
    make_bank()
    study = study_create(slug="race", title="Race", bank=BANK, is_open=True)
    client = Client()
    participant = walk_to_practice(client, study)
    position, _page = current_position(client, study)  # shown: the practice trial
    first = TrialAnswer(
        choice="A", confidence=70, expertise=40, recognised=False, rt_client_ms=9000,
        blur_count=0, confidence_moved=True, expertise_moved=True,
    )  # fmt: skip
    stored, commit = threading.Event(), threading.Event()
    results: dict[str, Any] = {}

    def answer_first() -> None:
        try:
            with transaction.atomic():
                results["first"] = trial_answer_submit(
                    participant=participant, position=position, answer=first, now=timezone.now()
                )
                stored.set()
                commit.wait(timeout=30)
        finally:
            connection.close()

    def answer_second() -> None:
        try:
            data = answer_data(position, "practice", choice="B", confidence="20")
            results["second"] = client.post(flow_url(study), data)
        finally:
            connection.close()

    threads = [threading.Thread(target=answer_first), threading.Thread(target=answer_second)]
    threads[0].start()
    assert stored.wait(timeout=30)
    threads[1].start()
    deadline = time.monotonic() + 30
    while not _waiting_on_a_lock() and time.monotonic() < deadline:
        time.sleep(0.02)
    commit.set()
    for thread in threads:
        thread.join(timeout=60)

    assert results["first"] is True
    assert results["second"].status_code == 409
    trial = Trial.objects.get(participant=participant, position=position)
    assert (trial.choice, trial.confidence) == ("A", 70)
