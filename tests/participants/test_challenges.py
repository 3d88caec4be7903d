"""Challenges: after the debrief a participant reports a problem with a test case they answered;
everything else is refused with a clear message and stores nothing; a withdrawal erases them."""

from __future__ import annotations

import pytest
from django.test import Client

from braintrial.items.models import Item
from braintrial.participants.models import Challenge, Trial
from braintrial.studies.models import Study
from tests.participants.conftest import answer_all, participant_of, walk_to_practice
from tests.participants.test_withdrawal import complete

pytestmark = pytest.mark.django_db


def _url(study: Study) -> str:
    return f"/s/{study.slug}/challenge/"


def _test_trial(client: Client, study: Study) -> Trial:
    participant = participant_of(client, study)
    return participant.trials.filter(kind=Item.Kind.TEST).order_by("position").first()


def test_a_finished_participant_challenges_a_test_case_they_answered(study: Study) -> None:
    client = Client()
    complete(client, study, pid="c1")
    results = client.get(f"/s/{study.slug}/flow/").content.decode()
    assert "Report a problem with a test case" in results
    trial = _test_trial(client, study)
    page = client.get(_url(study))
    assert page.status_code == 200
    assert f'value="{trial.position}"' in page.content.decode()
    response = client.post(
        _url(study), {"position": trial.position, "kind": "typo", "text": " 'teh' in line 2 "}
    )
    assert response.status_code == 200
    assert "your report is stored" in response.content.decode()
    (challenge,) = Challenge.objects.all()
    assert (challenge.trial_id, challenge.item_id, challenge.kind, challenge.text) == (
        trial.pk,
        trial.item_id,
        "typo",
        "'teh' in line 2",
    )
    assert challenge.status == "open"


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"position": "", "kind": "typo"}, 400, "This field is required"),
        ({"position": "99", "kind": "typo"}, 404, "You did not answer a test case numbered 99"),
        ({"position": "0", "kind": "typo"}, 400, "greater than or equal to 1"),
        ({"kind": "nonsense"}, 400, "Select a valid choice"),
        ({"kind": "other", "text": "   "}, 400, "Please describe the problem"),
        ({"kind": "other", "text": "x" * 1001}, 400, "at most 1000 characters"),
        ({"kind": "other", "text": "bad\x00byte"}, 400, "Null characters are not allowed"),
    ],
)
def test_bad_challenges_are_refused_with_a_message_and_store_nothing(
    study: Study, data: dict[str, str], status: int, message: str
) -> None:
    client = Client()
    complete(client, study, pid="c2")
    data = {"position": str(_test_trial(client, study).position), **data}
    response = client.post(_url(study), data)
    assert response.status_code == status
    assert message in response.content.decode()
    assert not Challenge.objects.exists()


def test_a_catch_or_practice_trial_is_not_a_test_case_to_challenge(study: Study) -> None:
    client = Client()
    complete(client, study, pid="c3")
    participant = participant_of(client, study)
    others = participant.trials.exclude(kind=Item.Kind.TEST)
    assert {t.kind for t in others} == {"practice", "catch"}
    for trial in others:
        response = client.post(_url(study), {"position": trial.position, "kind": "typo"})
        assert response.status_code == (400 if trial.position == 0 else 404)
    assert not Challenge.objects.exists()


def test_a_second_challenge_of_the_same_test_case_is_refused(study: Study) -> None:
    client = Client()
    complete(client, study, pid="c4")
    position = _test_trial(client, study).position
    assert client.post(_url(study), {"position": position, "kind": "typo"}).status_code == 200
    again = client.post(_url(study), {"position": position, "kind": "giveaway"})
    assert again.status_code == 409
    assert "already reported a problem with this test case" in again.content.decode()
    assert Challenge.objects.get().kind == "typo"


def test_no_challenge_before_the_debrief_nor_without_a_session(study: Study) -> None:
    client = Client()
    walk_to_practice(client, study, pid="c5")
    answer_all(client, study)  # the debrief question is still open
    position = _test_trial(client, study).position
    response = client.post(_url(study), {"position": position, "kind": "typo"})
    assert response.status_code == 409
    assert "once you have finished the study" in response.content.decode()
    assert client.get(_url(study)).status_code == 409
    stranger = Client()
    stranger.cookies[f"bt_{study.slug}"] = "forged-token"
    assert stranger.post(_url(study), {"position": position, "kind": "typo"}).status_code == 403
    assert Client().post(_url(study), {"position": position, "kind": "typo"}).status_code == 302
    assert not Challenge.objects.exists()


def test_the_form_is_in_the_studys_language(study: Study) -> None:
    Study.objects.filter(pk=study.pk).update(language="de")
    client = Client()
    complete(client, study, pid="c8")
    page = client.get(_url(study)).content.decode()
    assert "Problem mit einem Testfall melden" in page
    response = client.post(_url(study), {"position": "99", "kind": "typo"})
    assert "Testfall mit der Nummer 99" in response.content.decode()


def test_a_withdrawal_erases_the_participants_challenges(study: Study) -> None:
    client, other = Client(), Client()
    reference = complete(client, study, pid="c9")
    complete(other, study, pid="c10")
    for browser in (client, other):
        position = _test_trial(browser, study).position
        data = {"position": position, "kind": "other", "text": "I am Jane Roe, jane@example.org"}
        assert browser.post(_url(study), data).status_code == 200
    gone = participant_of(client, study)
    done = Client().post(f"/s/{study.slug}/withdraw/", {"how": "reference", "reference": reference})
    assert done.status_code == 200
    assert not Challenge.objects.filter(participant=gone).exists()
    assert Challenge.objects.count() == 1  # the other participant's stays
