"""A double click sends the same answer twice at the same moment: both requests are answered
with the way on, and the answer is stored once.

Transactional: the two requests run in two threads with their own database connections.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from braintrial.items.models import Item
from braintrial.participants.models import Trial
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
    study = study_create(slug="clicks", title="Clicks", bank=BANK)
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
