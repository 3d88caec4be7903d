"""A session in progress goes only to what its owner holds: its cookies, or Prolific's SESSION_ID.

Starting with someone else's ``pid`` or ``PROLIFIC_PID`` used to resume their session with a new
token: the stranger answered their current trial and the owner got 403.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.test.client import MULTIPART_CONTENT

from braintrial.participants.models import Participant
from braintrial.studies.models import Study
from tests.participants.conftest import (
    answer_data,
    current_position,
    flow_url,
    start,
    walk_to_practice,
)

pytestmark = pytest.mark.django_db
PROLIFIC = {"PROLIFIC_PID": "abc123", "STUDY_ID": "s1", "SESSION_ID": "x9"}


def assert_owner_carries_on(owner: Client, study: Study) -> None:
    position, _ = current_position(owner, study)
    response = owner.post(flow_url(study), answer_data(position, "practice"))
    assert response.status_code == 302
    assert Participant.objects.get().trials.get(position=position).correct is not None


def test_a_bare_pid_does_not_take_over_a_session_in_progress(study: Study) -> None:
    owner = Client()
    walk_to_practice(owner, study, pid="lab-7")
    stranger = Client()
    response = start(stranger, study, pid="lab-7")
    assert response.status_code == 409
    page = response.content.decode()
    assert "You have already started this study" in page
    assert "open the study link again in the browser where you started" in page
    assert f"bt_{study.slug}" not in stranger.cookies
    assert stranger.get(flow_url(study)).status_code == 302  # back to the start page
    assert_owner_carries_on(owner, study)


def test_a_prolific_pid_without_its_session_id_does_not_take_over(study: Study) -> None:
    study.prolific_mode = True
    study.save()
    owner = Client()
    walk_to_practice(owner, study, **PROLIFIC)
    stranger = Client()
    response = start(stranger, study, **dict(PROLIFIC, SESSION_ID="guessed"))
    assert response.status_code == 409
    assert b"open the study from your Prolific" in response.content
    assert_owner_carries_on(owner, study)


def test_the_same_browser_gets_its_session_back_without_the_session_cookie(study: Study) -> None:
    client = Client()
    walk_to_practice(client, study, pid="lab-8")
    del client.cookies[f"bt_{study.slug}"]
    assert start(client, study, pid="lab-8").status_code == 302
    position, _ = current_position(client, study)
    assert position == 0
    assert Participant.objects.count() == 1


def test_start_pressed_again_keeps_the_session(client: Client, study: Study) -> None:
    walk_to_practice(client, study)
    token = client.cookies[f"bt_{study.slug}"].value
    assert start(client, study).status_code == 302
    assert client.cookies[f"bt_{study.slug}"].value == token
    assert Participant.objects.count() == 1


def test_participant_pages_refuse_multipart_bodies(client: Client, study: Study) -> None:
    response = client.post(f"/s/{study.slug}/", {"pid": "x"}, content_type=MULTIPART_CONTENT)
    assert response.status_code == 415
    walk_to_practice(client, study)
    upload = client.post(
        flow_url(study),
        {**answer_data(0, "practice"), "file": ("x" * 10_000).encode()},
        content_type=MULTIPART_CONTENT,
    )
    assert upload.status_code == 415
    assert Participant.objects.get().trials.get(position=0).correct is None


def test_two_start_clicks_sent_at_once_make_one_participant(client: Client, study: Study) -> None:
    assert client.get(f"/s/{study.slug}/").status_code == 200  # the landing page sets the mark
    assert "bt_mark" in client.cookies
    first = start(client, study)
    assert first.status_code == 302
    # The second click was sent before the first answer's cookie arrived: the mark only.
    del client.cookies[f"bt_{study.slug}"]
    assert start(client, study).status_code == 302
    assert Participant.objects.count() == 1
    assert client.get(flow_url(study)).status_code == 200
