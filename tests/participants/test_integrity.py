"""Every answer lands once; bad input, forged sessions and out-of-order posts store nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from braintrial.participants.models import Participant, Trial
from braintrial.studies.models import Study
from tests.participants.conftest import (
    DEMOGRAPHICS,
    answer_all,
    answer_data,
    current_position,
    flow_url,
    participant_of,
    start,
    walk_to_practice,
)

pytestmark = pytest.mark.django_db


def _snapshot(participant: Participant) -> list[tuple[Any, ...]]:
    return list(
        Trial.objects.filter(participant__study=participant.study)
        .order_by("pk")
        .values_list("pk", "choice", "correct", "confidence", "expertise", "answered_at")
    )


@pytest.fixture
def on_trial(client: Client, study: Study) -> tuple[Participant, int]:
    """A participant past the practice, looking at trial 1."""
    participant = walk_to_practice(client, study)
    assert current_position(client, study)[0] == 0
    assert client.post(flow_url(study), answer_data(0, "practice")).status_code == 302
    position, _ = current_position(client, study)
    return participant, position


def test_duplicate_submission_is_stored_once(
    client: Client, study: Study, on_trial: tuple[Participant, int]
) -> None:
    participant, position = on_trial
    data = answer_data(position)
    first = client.post(flow_url(study), data)
    trial = participant.trials.get(position=position)
    answered_at = trial.answered_at
    second = client.post(flow_url(study), data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert first["Location"] == second["Location"]
    trial.refresh_from_db()
    assert trial.answered_at == answered_at
    assert participant.trials.filter(correct__isnull=False).count() == 2  # practice + this one
    next_position, _ = current_position(client, study)
    assert next_position == position + 1


def test_conflicting_answer_to_answered_trial_is_refused(
    client: Client, study: Study, on_trial: tuple[Participant, int]
) -> None:
    participant, position = on_trial
    client.post(flow_url(study), answer_data(position, choice="A", confidence="70"))
    before = _snapshot(participant)
    response = client.post(flow_url(study), answer_data(position, choice="B", confidence="70"))
    assert response.status_code == 409
    assert b"cannot be changed" in response.content
    other = client.post(flow_url(study), answer_data(position, choice="A", confidence="71"))
    assert other.status_code == 409
    assert _snapshot(participant) == before
    assert participant.trials.get(position=position).choice == "A"


def test_answer_for_a_later_trial_is_refused(
    client: Client, study: Study, on_trial: tuple[Participant, int]
) -> None:
    participant, position = on_trial
    before = _snapshot(participant)
    response = client.post(flow_url(study), answer_data(position + 1))
    assert response.status_code == 409
    assert _snapshot(participant) == before


def test_trial_answer_before_instructions_is_refused(client: Client, study: Study) -> None:
    start(client, study)
    client.post(flow_url(study), {"step": "consent", "consent": "agree"})
    participant = participant_of(client, study)
    response = client.post(flow_url(study), answer_data(0, "practice"))
    assert response.status_code == 409
    assert not participant.trials.filter(correct__isnull=False).exists()


def test_post_for_a_step_not_yet_due_is_refused(client: Client, study: Study) -> None:
    start(client, study)
    response = client.post(flow_url(study), DEMOGRAPHICS)  # still on consent
    assert response.status_code == 409
    assert Participant.objects.get().age is None
    response = client.post(flow_url(study), {"step": "debrief", "outside_help": "no"})
    assert response.status_code == 409
    assert Participant.objects.get().completed_at is None


def test_back_button_cannot_reanswer_demographics(
    client: Client, study: Study, on_trial: tuple[Participant, int]
) -> None:
    participant, _ = on_trial
    response = client.post(flow_url(study), dict(DEMOGRAPHICS, age="61", gender="Male"))
    assert response.status_code == 302
    assert response["Location"] == flow_url(study) + "?note=answered"
    participant.refresh_from_db()
    assert (participant.age, participant.gender) == (34, "Female")


def test_unknown_step_name_is_refused(client: Client, study: Study) -> None:
    start(client, study)
    assert client.post(flow_url(study), {"step": "admin"}).status_code == 409
    assert client.post(flow_url(study), {}).status_code == 409


BAD_ANSWERS = {
    "confidence zero": {"confidence": "0"},
    "confidence 101": {"confidence": "101"},
    "expertise zero": {"expertise": "0"},
    "expertise 101": {"expertise": "101"},
    "confidence not an integer": {"confidence": "55.5"},
    "expertise text": {"expertise": "lots"},
    "choice C": {"choice": "C"},
    "recognised maybe": {"recognised": "maybe"},
    "missing choice": {"choice": None},
    "missing confidence": {"confidence": None},
    "missing expertise": {"expertise": None},
    "missing recognised": {"recognised": None},
    "negative rt": {"rt_client_ms": "-5"},
    "absurd rt": {"rt_client_ms": "999999999999"},
    "negative blur count": {"blur_count": "-1"},
    "moved flag not 0/1": {"confidence_moved": "yes"},
    "NUL in choice": {"choice": "A\x00"},
    "NUL in confidence": {"confidence": "50\x00"},
    "NUL in recognised": {"recognised": "no\x00"},
    "position not a number": {"position": "one"},
    "missing position": {"position": None},
}


@pytest.mark.parametrize("overrides", BAD_ANSWERS.values(), ids=BAD_ANSWERS.keys())
def test_bad_trial_input_is_refused_and_nothing_is_stored(
    client: Client, study: Study, on_trial: tuple[Participant, int], overrides: dict[str, Any]
) -> None:
    participant, position = on_trial
    before = _snapshot(participant)
    data = answer_data(position)
    data.update(overrides)
    data = {k: v for k, v in data.items() if v is not None}
    response = client.post(flow_url(study), data)
    assert response.status_code == 400
    assert b"Please check your answers" in response.content
    assert _snapshot(participant) == before


def test_unknown_trial_position_is_404(
    client: Client, study: Study, on_trial: tuple[Participant, int]
) -> None:
    participant, _ = on_trial
    before = _snapshot(participant)
    assert client.post(flow_url(study), answer_data(999)).status_code == 404
    assert _snapshot(participant) == before


def test_another_participants_trial_cannot_be_answered(
    client: Client, study: Study, on_trial: tuple[Participant, int]
) -> None:
    alice, position = on_trial
    bob_client = Client()
    bob = walk_to_practice(bob_client, study)
    before = _snapshot(alice)
    # Bob posts Alice's current position: it resolves to Bob's own trial at that position,
    # which is not Bob's current one (he is on the practice), so nothing is stored anywhere.
    assert bob_client.post(flow_url(study), answer_data(position)).status_code == 409
    assert _snapshot(alice) == before
    assert not bob.trials.filter(correct__isnull=False).exists()


def test_answer_to_a_trial_never_shown_is_refused(client: Client, study: Study) -> None:
    participant = walk_to_practice(client, study)
    response = client.post(flow_url(study), answer_data(0, "practice"))
    assert response.status_code == 409
    assert b"open the trial page" in response.content
    assert not participant.trials.filter(correct__isnull=False).exists()


def test_forged_token_is_refused_and_nothing_stored(
    client: Client, study: Study, on_trial: tuple[Participant, int]
) -> None:
    participant, position = on_trial
    before = _snapshot(participant)
    forger = Client()
    forger.cookies[f"bt_{study.slug}"] = "forged-" + "x" * 40
    assert forger.get(flow_url(study)).status_code == 403
    forger.cookies[f"bt_{study.slug}"] = "forged-" + "x" * 40  # the 403 dropped it
    assert forger.post(flow_url(study), answer_data(position)).status_code == 403
    forger.cookies[f"bt_{study.slug}"] = "a\x00b"
    assert forger.post(flow_url(study), answer_data(position)).status_code == 403
    assert _snapshot(participant) == before
    assert Participant.objects.count() == 1


def test_token_of_another_study_is_refused(client: Client, study: Study) -> None:
    from braintrial.studies.services import study_create

    other = study_create(slug="other", title="Other", bank=study.bank, is_open=True)
    start(client, study)
    token = client.cookies[f"bt_{study.slug}"].value
    stranger = Client()
    stranger.cookies[f"bt_{other.slug}"] = token
    assert stranger.get(flow_url(other)).status_code == 403


def test_no_cookie_redirects_to_landing(client: Client, study: Study) -> None:
    response = client.get(flow_url(study))
    assert response.status_code == 302
    assert response["Location"] == f"/s/{study.slug}/"
    post = client.post(flow_url(study), answer_data(1))
    assert post.status_code == 302
    assert not Trial.objects.exists()


def test_oversized_body_is_refused(
    client: Client, study: Study, on_trial: tuple[Participant, int]
) -> None:
    participant, position = on_trial
    before = _snapshot(participant)
    data = answer_data(position, feedback="x" * (70 * 1024))
    response = client.post(flow_url(study), data)
    assert response.status_code == 400
    assert _snapshot(participant) == before


def test_nul_bytes_in_demographics_and_debrief_are_refused(client: Client, study: Study) -> None:
    start(client, study)
    client.post(flow_url(study), {"step": "consent", "consent": "agree"})
    response = client.post(flow_url(study), dict(DEMOGRAPHICS, country="Germ\x00any"))
    assert response.status_code == 400
    assert Participant.objects.get().age is None
    assert client.post(flow_url(study), DEMOGRAPHICS).status_code == 302
    client.post(flow_url(study), {"step": "instructions"})
    answer_all(client, study)
    for data, status in (
        ({"step": "debrief", "outside_help": "no", "feedback": "fine\x00"}, 400),
        ({"step": "debrief", "outside_help": "no\x00"}, 400),
        ({"step": "deb\x00rief", "outside_help": "no"}, 409),
    ):
        assert client.post(flow_url(study), data).status_code == status
    participant = Participant.objects.get()
    assert participant.completed_at is None and participant.feedback == ""


def test_nul_bytes_in_consent_are_refused(client: Client, study: Study) -> None:
    start(client, study)
    assert (
        client.post(flow_url(study), {"step": "consent", "consent": "agree\x00"}).status_code == 400
    )
    assert Participant.objects.get().consented_at is None


def test_nul_bytes_in_recruitment_id_are_refused(client: Client, study: Study) -> None:
    assert start(client, study, pid="abc\x00").status_code == 400
    assert client.get(f"/s/{study.slug}/", {"PROLIFIC_PID": "a\x00"}).status_code == 400
    assert Participant.objects.count() == 0


def test_unknown_study_is_404(client: Client, db: Any) -> None:
    assert client.get("/s/no-such-study/").status_code == 404
    assert client.post("/s/no-such-study/flow/", {}).status_code == 404


def test_other_http_methods_are_refused(client: Client, study: Study) -> None:
    assert client.put(flow_url(study)).status_code == 405
    assert client.delete(f"/s/{study.slug}/").status_code == 405
