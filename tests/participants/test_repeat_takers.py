"""One participation per person: the answer key cannot be harvested by taking the study again.

Each way in is closed in turn: the debrief tells nothing per trial by default, a browser that
took part is recognised by its mark, and fresh browsers (cleared cookies, made-up ids) from one
client address are rate-limited. Suspected repeat takers are flagged for the researcher.
Requests come from a public address (the test client's loopback is exempt, for pilots).
"""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from braintrial.participants.models import Participant
from braintrial.studies.models import Study
from tests.participants.conftest import answer_all, flow_url, start, walk_to_practice

pytestmark = pytest.mark.django_db
HOME = "203.0.113.7"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def browser(address: str = HOME, **headers: str) -> Client:
    return Client(REMOTE_ADDR=address, **headers)


def complete(client: Client, study: Study, *, right: bool = True, **params: str) -> None:
    walk_to_practice(client, study, **params)
    answer_all(client, study, right=right)


def debrief_html(client: Client, study: Study) -> str:
    """The results page, shown once the debrief question is answered."""
    client.post(flow_url(study), {"step": "debrief", "outside_help": "no"})
    return CSRF.sub("", client.get(flow_url(study)).content.decode())


def test_default_debrief_tells_nothing_about_the_answers(study: Study) -> None:
    assert study.debrief_detail == Study.DebriefDetail.NONE
    right, wrong = browser("203.0.113.1"), browser("203.0.113.2")
    complete(right, study, right=True)
    complete(wrong, study, right=False)
    page = debrief_html(right, study)
    # All right and all wrong look the same; only the personal withdrawal reference differs.
    reference = re.compile(r'id="withdrawal-reference">[A-Z0-9-]+<')
    assert reference.sub("", page) == reference.sub("", debrief_html(wrong, study))
    for leak in ("Right", "Wrong", "Your results", "of 11"):
        assert leak not in page
    assert "Your answers are stored" in page


def test_score_debrief_shows_the_total_but_no_trial(study: Study) -> None:
    study.debrief_detail = Study.DebriefDetail.SCORE
    study.save()
    client = browser()
    complete(client, study)
    page = debrief_html(client, study)
    assert "Of your 9 test trials, you picked the published version in 9." in page
    assert "Trial 1" not in page and "Right" not in page


def test_browser_that_took_part_is_refused_a_second_session(study: Study) -> None:
    client = browser()
    complete(client, study, pid="first")
    client.post(flow_url(study), {"step": "debrief", "outside_help": "no"})
    del client.cookies[f"bt_{study.slug}"]  # the study cookie cleared, the browser the same
    again = start(client, study, pid="made-up-2")
    assert again.status_code == 403
    assert b"You have already taken part in this study" in again.content
    assert Participant.objects.count() == 1


def test_flag_policy_lets_a_repeat_in_and_flags_it(study: Study) -> None:
    study.repeat_policy = Study.RepeatPolicy.FLAG
    study.save()
    client = browser()
    complete(client, study, pid="first")
    client.post(flow_url(study), {"step": "debrief", "outside_help": "no"})
    del client.cookies[f"bt_{study.slug}"]
    assert start(client, study, pid="second").status_code == 302
    first, second = Participant.objects.order_by("pk")
    assert (first.repeat_suspected, second.repeat_suspected) == (False, True)


def test_forty_fresh_browsers_from_one_address_get_only_the_hourly_limit(study: Study) -> None:
    assert study.starts_per_address_per_hour == 20
    codes = [start(browser(), study, pid=f"made-up-{n}").status_code for n in range(40)]
    assert codes == [302] * 20 + [429] * 20
    refused = start(browser(), study)
    assert refused["Retry-After"] == "3600"
    assert b"Too many new sessions from your network" in refused.content
    assert Participant.objects.count() == 20
    assert start(browser("198.51.100.9"), study).status_code == 302  # another network


def test_a_forged_forwarded_for_header_does_not_escape_the_limit(study: Study) -> None:
    study.starts_per_address_per_hour = 2
    study.save()
    codes = [
        start(browser(HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"), study).status_code for n in range(4)
    ]
    assert codes == [302, 302, 429, 429]


@override_settings(NUM_PROXIES=1)
def test_behind_one_proxy_the_address_it_saw_is_counted_not_the_clients_claim(
    study: Study,
) -> None:
    study.starts_per_address_per_hour = 2
    study.save()
    proxy = "10.0.0.1"
    codes = [
        start(browser(proxy, HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, {HOME}"), study).status_code
        for n in range(3)
    ]
    assert codes == [302, 302, 429]
    assert start(browser(proxy, HTTP_X_FORWARDED_FOR="198.51.100.4"), study).status_code == 302


def test_limit_zero_and_the_machine_itself_are_not_limited(study: Study) -> None:
    for n in range(25):
        assert start(Client(), study, pid=f"pilot-{n}").status_code == 302  # loopback
    study.starts_per_address_per_hour = 0
    study.save()
    for n in range(25):
        assert start(browser(), study, pid=f"p-{n}").status_code == 302


def test_suspected_repeats_are_shown_to_the_researcher(study: Study, django_user_model) -> None:
    start(browser(), study, pid="one")
    start(browser(), study, pid="two")  # same network, another browser: suspected, let in
    assert list(Participant.objects.order_by("pk").values_list("repeat_suspected", flat=True)) == [
        False,
        True,
    ]
    researcher = django_user_model.objects.create_user("res")
    study.researchers.add(researcher)
    client = Client()
    client.force_login(researcher)
    rows = client.get(reverse("dashboard:study_list")).context["rows"]
    assert rows[0]["repeats"] == 1
    export = client.get(f"/exports/{study.slug}/participants.csv?include_excluded=1")
    lines = b"".join(export.streaming_content).decode().splitlines()
    column = lines[0].split(",").index("repeat_suspected")
    assert sorted(line.split(",")[column] for line in lines[1:]) == ["0", "1"]


def test_hashes_are_stored_never_the_address_or_mark(study: Study) -> None:
    client = browser()
    start(client, study)
    participant = Participant.objects.get()
    mark = client.cookies["bt_mark"].value
    assert len(participant.address_hash) == 64 and HOME not in participant.address_hash
    assert len(participant.browser_mark_hash) == 64 and mark not in participant.browser_mark_hash
    assert client.cookies["bt_mark"]["httponly"]
