"""The work of a participant request is pinned: the number of queries of each step, and a start
that costs the same however many participants the study already has."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from braintrial.items.models import Item
from braintrial.participants.models import Participant, Trial
from braintrial.studies.models import Study
from tests.participants.conftest import DEMOGRAPHICS, answer_data, flow_url, start

pytestmark = pytest.mark.django_db

# Queries per request on the flow page. Each request reads the participant with its study;
# the steps before the practice and the end page need nothing else. A trial page adds the
# trials, its two abstracts and the first-shown time (not on a reload); an answer the trials and
# the update. The consent POST adds the assignment (release check, activation, bank, lock,
# counters read and update, trials insert) and the read of the consent version agreed to; here
# its transaction is a savepoint, counted as two queries. The first start of a study also
# creates its counters: three more queries, once.
# The "practice is over" page reads the trials to count them, and its POST to find the current
# step (the practice must be answered). No session or user query anywhere.
EXPECTED = {
    "GET consent": 1,
    "POST consent": 11,
    "GET demographics": 1,
    "POST demographics": 2,
    "GET instructions": 1,
    "POST instructions": 2,
    "GET practice": 4,
    "POST practice": 3,
    "GET practice_over": 2,
    "POST practice_over": 3,
    "GET trial": 4,
    "GET trial again": 3,
    "POST trial": 3,
    "GET debrief": 2,
    "POST debrief": 4,
    "GET complete": 1,
}
POSITION = re.compile(r'name="position" value="(\d+)"')


class Walk:
    """A participant walking the flow, counting the queries of each request."""

    def __init__(self, client: Client, study: Study) -> None:
        self.client, self.study = client, study
        self.counts: dict[str, int] = {}

    def request(self, label: str, method: str, data: dict[str, str]) -> str:
        with CaptureQueriesContext(connection) as queries:
            response = getattr(self.client, method)(flow_url(self.study), data)
        assert response.status_code in {200, 302}, response.status_code
        assert "sessionid" not in response.cookies
        self.counts[label] = len(queries)
        return response.content.decode()


def _walk_counting(client: Client, study: Study) -> dict[str, int]:
    walk = Walk(client, study)
    start(client, study)
    walk.request("GET consent", "get", {})
    walk.request("POST consent", "post", {"step": "consent", "consent": "agree"})
    for step, data in (("demographics", DEMOGRAPHICS), ("instructions", {"step": "instructions"})):
        walk.request(f"GET {step}", "get", {})
        walk.request(f"POST {step}", "post", data)
    for n in range(12):
        label = "practice" if n == 0 else "trial"
        page = walk.request(f"GET {label}", "get", {})
        position = int(POSITION.search(page).group(1))  # type: ignore[union-attr]
        if n == 1:
            walk.request("GET trial again", "get", {})  # a reload
        step = "practice" if position == 0 else "trials"
        walk.request(f"POST {label}", "post", answer_data(position, step))
        if n == 0:
            walk.request("GET practice_over", "get", {})
            walk.request("POST practice_over", "post", {"step": "practice_over"})
    walk.request("GET debrief", "get", {})
    walk.request("POST debrief", "post", {"step": "debrief", "outside_help": "no", "feedback": ""})
    walk.request("GET complete", "get", {})
    return walk.counts


def test_each_step_makes_the_pinned_number_of_queries(client: Client, study: Study) -> None:
    _walk_counting(Client(), study)  # the study's first start creates its counters

    assert _walk_counting(client, study) == EXPECTED


def _complete_participants(study: Study, n: int) -> None:
    items = list(Item.objects.filter(bank=study.bank, kind=Item.Kind.TEST))
    people = Participant.objects.bulk_create(
        Participant(study=study, status=Participant.Status.COMPLETED, recruitment_id=f"old-{i}")
        for i in range(n)
    )
    Trial.objects.bulk_create(
        Trial(participant=p, item=items[(i * 9 + j) % len(items)], position=j + 1, kind="test")
        for i, p in enumerate(people)
        for j in range(9)
    )


def test_a_start_makes_the_same_queries_in_a_large_study(study: Study) -> None:
    _walk_counting(Client(), study)
    small = _walk_counting(Client(), study)
    _complete_participants(study, 2000)

    large = _walk_counting(Client(), study)

    assert large == small == EXPECTED
