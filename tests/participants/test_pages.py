"""What the participant pages tell and ask: the study's length up front, the screen between the
practice and the real trials, the debrief question before any result, the completion page."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from braintrial.participants.models import Participant
from braintrial.studies.models import Study
from tests.participants.conftest import (
    DEMOGRAPHICS,
    answer_all,
    answer_data,
    current_position,
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
    assert "Of your 9 test trials, you picked the published version in 9." in results
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


def _on_first_trial(client: Client, study: Study) -> int:
    walk_to_practice(client, study)
    position, _ = current_position(client, study)
    return position


def test_missing_slider_value_is_refused_with_a_clear_message(client: Client, study: Study) -> None:
    position = _on_first_trial(client, study)
    data = answer_data(position, "practice")
    del data["confidence"]
    response = client.post(flow_url(study), data)
    assert response.status_code == 400
    assert "Please set how confident you are (1 to 100)." in response.content.decode()
    assert not participant_of(client, study).trials.filter(answered_at__isnull=False).exists()


def test_page_shown_again_after_an_error_keeps_the_answers_given(
    client: Client, study: Study
) -> None:
    position = _on_first_trial(client, study)
    data = answer_data(position, "practice", choice="B", expertise="101", recognised="yes")
    page = client.post(flow_url(study), data).content.decode()
    assert 'value="B" checked' in page
    assert 'id="recognised-yes" value="yes" checked' in page
    assert (
        'name="confidence" id="confidence" min="1" max="100" step="1" inputmode="numeric" '
        'value="70"' in page
    )
    assert 'name="confidence_moved" value="1"' in page
    # The refused value is not offered again as if it were an answer.
    assert 'value="101"' not in page


def test_back_button_post_of_an_answered_trial_changed_leads_to_the_current_step(
    client: Client, study: Study
) -> None:
    position = _on_first_trial(client, study)
    assert client.post(flow_url(study), answer_data(position, "practice")).status_code == 302
    # The practice page again from the browser history, its answer now invalid.
    stale = client.post(flow_url(study), answer_data(position, "practice", confidence=""))
    assert stale.status_code == 302
    page = client.get(stale["Location"]).content.decode()
    assert "your first answer is kept" in page
    assert "The practice is over" in page


def test_back_button_post_of_an_answered_step_leads_to_the_current_step_with_a_note(
    client: Client, study: Study
) -> None:
    walk_to_practice(client, study)
    again = client.post(flow_url(study), {"step": "instructions"})
    assert again.status_code == 302
    page = client.get(again["Location"]).content.decode()
    assert "your first answer is kept" in page
    assert "Practice trial" in page


def test_experience_beyond_age_minus_ten_is_refused(client: Client, study: Study) -> None:
    client.post(f"/s/{study.slug}/")
    client.post(flow_url(study), {"step": "consent", "consent": "agree"})
    response = client.post(flow_url(study), {**DEMOGRAPHICS, "age": "25", "experience_years": "40"})
    assert response.status_code == 400
    assert "At 25 you can have at most 15 years of experience" in response.content.decode()
    assert participant_of(client, study).age is None
    ok = client.post(flow_url(study), {**DEMOGRAPHICS, "age": "25", "experience_years": "15"})
    assert ok.status_code == 302


def test_every_page_links_the_favicon(client: Client, study: Study) -> None:
    page = client.get(f"/s/{study.slug}/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page


def test_trial_shows_plain_text_by_default(client: Client, study: Study) -> None:
    _on_first_trial(client, study)
    assert "<mark>" not in client.get(flow_url(study)).content.decode()


def test_highlighting_marks_the_differing_passages_in_both_versions_alike(
    client: Client, study: Study
) -> None:
    study.highlight_differences = True
    study.save()
    position = _on_first_trial(client, study)
    trial = participant_of(client, study).trials.select_related("item").get(position=position)
    page = client.get(flow_url(study)).content.decode()
    a = page.split('id="version-A-text">')[1].split("</p>")[0]
    b = page.split('id="version-B-text">')[1].split("</p>")[0]
    assert a.count("<mark>") == b.count("<mark>") >= 1
    # Without the marks each version is its text: nothing added, nothing lost.
    plain = {html.unescape(v.replace("<mark>", "").replace("</mark>", "")) for v in (a, b)}
    assert plain == {" ".join(trial.item.original.split()), " ".join(trial.item.altered.split())}
