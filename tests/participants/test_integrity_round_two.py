"""Issue 20: IPv6 networks (hole 3), one start per browser (hole 4), server-issued keyed
marks (hole 6), the completion code only to its owner (hole 7), repeats from exempt networks
still flagged (hole 8). Each test failed on the code before.
"""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client, RequestFactory, override_settings

from braintrial.participants import views
from braintrial.participants.models import Participant
from braintrial.studies.models import Study
from tests.participants.conftest import answer_all, flow_url, start, walk_to_practice

pytestmark = pytest.mark.django_db
NET = "2001:db8:5:7"  # one /64


def test_thirty_browsers_from_one_ipv6_64_get_the_hourly_limit_and_are_flagged(
    study: Study,
) -> None:
    codes = [
        start(Client(REMOTE_ADDR=f"{NET}::{n + 1:x}"), study, pid=f"v6-{n}").status_code
        for n in range(30)
    ]
    assert codes == [302] * 20 + [429] * 10
    flags = list(Participant.objects.order_by("pk").values_list("repeat_suspected", flat=True))
    assert flags == [False] + [True] * 19
    # Another /64 is another client.
    assert start(Client(REMOTE_ADDR="2001:db8:5:8::1"), study).status_code == 302


@override_settings(ADDRESS_NETWORK_PREFIX_IPV6=56)
def test_the_ipv6_prefix_length_is_a_setting(study: Study) -> None:
    study.starts_per_address_per_hour = 2
    study.save()
    codes = [start(Client(REMOTE_ADDR=f"2001:db8:5:{n}::1"), study).status_code for n in range(3)]
    assert codes == [302, 302, 429]  # three /64s of one /56


def test_ipv4_clients_are_still_one_address_each(study: Study) -> None:
    study.starts_per_address_per_hour = 1
    study.save()
    assert start(Client(REMOTE_ADDR="198.51.100.1"), study).status_code == 302
    assert start(Client(REMOTE_ADDR="198.51.100.2"), study).status_code == 302
    assert start(Client(REMOTE_ADDR="::ffff:198.51.100.1"), study).status_code == 429


def test_retakes_from_the_exempt_loopback_are_not_limited_but_flagged(study: Study) -> None:
    codes = [start(Client(), study, pid=f"pilot-{n}").status_code for n in range(25)]
    assert codes == [302] * 25  # the machine itself: no limit
    flags = list(Participant.objects.order_by("pk").values_list("repeat_suspected", flat=True))
    assert flags == [False] + [True] * 24


def test_the_server_replaces_a_mark_the_client_made_up(study: Study) -> None:
    made_up = "a" * 32
    client = Client(REMOTE_ADDR="203.0.113.9")
    client.cookies[views.MARK_COOKIE] = made_up
    assert start(client, study).status_code == 302
    issued = client.cookies[views.MARK_COOKIE].value
    request = RequestFactory().get("/")
    request.COOKIES[views.MARK_COOKIE] = issued
    mark = request.get_signed_cookie(views.MARK_COOKIE, salt=getattr(views, "MARK_SALT", ""))
    assert mark != made_up and len(mark) >= 32
    participant = Participant.objects.get()
    plain = hashlib.sha256(f"{study.pk}:{mark}".encode()).hexdigest()
    assert participant.browser_mark_hash not in ("", plain)  # keyed, not a plain SHA-256
    assert plain != hashlib.sha256(f"{study.pk}:{made_up}".encode()).hexdigest()


def test_two_browsers_cannot_share_a_session_by_copying_a_made_up_mark(study: Study) -> None:
    """A client-chosen mark (the same in two browsers) used to be taken as given: the second
    browser then owned the first one's session."""
    first, second = Client(REMOTE_ADDR="203.0.113.10"), Client(REMOTE_ADDR="203.0.113.11")
    for client in (first, second):
        client.cookies[views.MARK_COOKIE] = "shared-mark-chosen-by-the-client-0001"
    walk_to_practice(first, study, pid="alice")
    assert start(second, study, pid="alice").status_code == 409


def _finish(client: Client, study: Study, **params: str) -> None:
    walk_to_practice(client, study, **params)
    answer_all(client, study)
    client.post(flow_url(study), {"step": "debrief", "outside_help": "no"})


def test_a_finished_pid_shows_no_completion_code_in_another_browser(study: Study) -> None:
    owner = Client(REMOTE_ADDR="203.0.113.20")
    _finish(owner, study, pid="done-1")
    stranger = Client(REMOTE_ADDR="198.51.100.20")
    page = start(stranger, study, pid="done-1")
    assert page.status_code == 200
    assert b"You have already completed this study" in page.content
    assert study.completion_code.encode() not in page.content
    assert b"shown only in the browser where the study was finished" in page.content
    # The browser that finished still sees it (a new study cookie, the same mark).
    del owner.cookies[f"bt_{study.slug}"]
    again = start(owner, study, pid="done-1")
    assert study.completion_code.encode() in again.content


def test_a_finished_prolific_id_shows_its_code_only_with_its_session_id(study: Study) -> None:
    study.prolific_mode = True
    study.completion_url = "https://app.prolific.com/submissions/complete?cc=C0DE42"
    study.save()
    ids = {"PROLIFIC_PID": "p-1", "STUDY_ID": "s-1", "SESSION_ID": "session-1"}
    _finish(Client(REMOTE_ADDR="203.0.113.21"), study, **ids)
    stranger = start(Client(REMOTE_ADDR="198.51.100.21"), study, **{**ids, "SESSION_ID": "x"})
    assert b"C0DE42" not in stranger.content  # neither the code nor the link carrying it
    holder = start(Client(REMOTE_ADDR="198.51.100.22"), study, **ids)
    assert b"C0DE42" in holder.content


def test_flag_policy_refuses_a_second_person_while_the_browsers_session_is_open(
    study: Study,
) -> None:
    study.repeat_policy = Study.RepeatPolicy.FLAG
    study.save()
    client = Client(REMOTE_ADDR="203.0.113.30")
    walk_to_practice(client, study, pid="first-person")
    del client.cookies[f"bt_{study.slug}"]
    busy = start(client, study, pid="second-person")
    assert busy.status_code == 409
    assert b"in progress in this browser" in busy.content
    assert Participant.objects.count() == 1
