"""What the participant pages tell and ask: the study's length up front, the screen between the
practice and the real trials, the debrief question before any result, the completion page."""

from __future__ import annotations

import pytest
from django.test import Client

from braintrial.participants.models import Participant
from braintrial.studies.models import Study
from tests.participants.conftest import (
    answer_all,
    answer_data,
    flow_url,
    participant_of,
    walk_to_practice,
)

pytestmark = pytest.mark.django_db


def test_landing_states_trial_count_duration_institution_and_contact(
    client: Client, study: Study
) -> None:
    study.institution = "University of Example"
    study.contact_email = "brain@example.org"
    study.save()
    page = client.get(f"/s/{study.slug}/").content.decode()
    # 9 test trials and 2 catch trials after one practice: 12 trials at 1.5 min, plus 4.
    assert "There are 11 trials, after one practice trial." in page
    assert "takes about 22 minutes" in page
    assert "University of Example" in page
    assert 'href="mailto:brain@example.org"' in page


def test_a_stated_duration_wins_over_the_estimate(client: Client, study: Study) -> None:
    study.expected_minutes = 30
    study.catch_trials_enabled = False
    study.save()
    page = client.get(f"/s/{study.slug}/").content.decode()
    assert "There are 9 trials" in page
    assert "takes about 30 minutes" in page


def test_instructions_state_trial_count_and_duration(client: Client, study: Study) -> None:
    client.post(f"/s/{study.slug}/")
    client.post(flow_url(study), {"step": "consent", "consent": "agree"})
    from tests.participants.conftest import DEMOGRAPHICS

    client.post(flow_url(study), DEMOGRAPHICS)
    page = client.get(flow_url(study)).content.decode()
    assert "Instructions" in page
    assert "There are 11 trials, after one practice trial." in page


def test_practice_over_screen_comes_between_practice_and_trials(
    client: Client, study: Study
) -> None:
    participant = walk_to_practice(client, study)
    client.get(flow_url(study))  # the practice trial is shown before it is answered
    assert client.post(flow_url(study), answer_data(0, "practice")).status_code == 302
    page = client.get(flow_url(study)).content.decode()
    assert "The practice is over" in page
    assert "there are 11 of them" in page
    assert client.post(flow_url(study), {"step": "practice_over"}).status_code == 302
    participant.refresh_from_db()
    assert participant.practice_over_at is not None
    assert "Trial 1 of 11" in client.get(flow_url(study)).content.decode()


def test_practice_over_screen_is_skipped_without_a_practice(client: Client, study: Study) -> None:
    study.practice_enabled = False
    study.save()
    walk_to_practice(client, study)
    page = client.get(flow_url(study)).content.decode()
    assert "Trial 1 of 11" in page
    assert "The practice is over" not in page


def test_practice_over_cannot_be_posted_before_the_practice(client: Client, study: Study) -> None:
    participant = walk_to_practice(client, study)
    assert client.post(flow_url(study), {"step": "practice_over"}).status_code == 409
    participant.refresh_from_db()
    assert participant.practice_over_at is None


@pytest.mark.parametrize("detail", [Study.DebriefDetail.SCORE, Study.DebriefDetail.FULL])
def test_outside_help_is_asked_before_any_result_is_shown(
    client: Client, study: Study, detail: str
) -> None:
    study.debrief_detail = detail
    study.save()
    walk_to_practice(client, study)
    answer_all(client, study)
    question = client.get(flow_url(study)).content.decode()
    assert "outside help" in question
    assert "You picked the published version" not in question
    assert "Right" not in question and "Wrong" not in question
    client.post(flow_url(study), {"step": "debrief", "outside_help": "no"})
    results = client.get(flow_url(study)).content.decode()
    assert "You picked the published version in 11 of 11 trials" in results
    assert ("Trial 1" in results) is (detail == Study.DebriefDetail.FULL)
    assert participant_of(client, study).status == Participant.Status.COMPLETED


def test_results_page_of_a_study_that_withholds_results_shows_only_the_code(
    client: Client, study: Study
) -> None:
    walk_to_practice(client, study)
    answer_all(client, study)
    client.post(flow_url(study), {"step": "debrief", "outside_help": "no"})
    page = client.get(flow_url(study)).content.decode()
    assert "C0DE42" in page
    assert "You picked" not in page
    assert "Return to Prolific" not in page  # no completion URL set
