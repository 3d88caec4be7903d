"""The answer service on its own: it takes the participant and finds the current trial itself."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from braintrial.participants.models import Trial
from braintrial.participants.selectors import trial_next_unanswered
from braintrial.participants.services.answers import (
    AnswerConflict,
    StepNotCurrent,
    TrialAnswer,
    trial_answer_submit,
)
from tests.participants.conftest import answer_data, current_position, flow_url, walk_to_practice

pytestmark = pytest.mark.django_db

ANSWER = TrialAnswer(
    choice="A",
    confidence=60,
    expertise=30,
    recognised=False,
    rt_client_ms=None,
    blur_count=0,
    confidence_moved=None,
    expertise_moved=None,
)


def test_trial_with_correctness_but_no_choice_counts_as_answered() -> None:
    # Imported published trials carry correctness without the choice.
    imported = Trial(position=0, correct=True, choice="")
    open_trial = Trial(position=1)
    assert trial_next_unanswered(trials=[imported, open_trial]) is open_trial
    assert trial_next_unanswered(trials=[imported]) is None


def test_answer_service_stores_once_from_the_participant_alone(client: Client, study: Any) -> None:
    participant = walk_to_practice(client, study)
    current_position(client, study)  # shows the practice trial: its clock starts
    now = timezone.now()
    submit = trial_answer_submit
    assert submit(participant=participant, position=0, answer=ANSWER, now=now) is True
    assert submit(participant=participant, position=0, answer=ANSWER, now=now) is False
    changed = replace(ANSWER, choice="B")
    with pytest.raises(AnswerConflict):
        submit(participant=participant, position=0, answer=changed, now=now)
    with pytest.raises(StepNotCurrent):
        submit(participant=participant, position=2, answer=ANSWER, now=now)
    stored = participant.trials.get(position=0)
    assert (stored.choice, stored.confidence) == ("A", 60)
    assert participant.trials.filter(correct__isnull=False).count() == 1


def test_outside_help_asked_per_trial_is_stored_and_flags_only_that_trial(
    client: Client, study: Any
) -> None:
    study.outside_help_per_trial = True
    study.save(update_fields=["outside_help_per_trial"])
    participant = walk_to_practice(client, study)
    _, practice = current_position(client, study)
    assert 'name="outside_help"' not in practice.content.decode()  # not on the practice
    trial_answer_submit(participant=participant, position=0, answer=ANSWER, now=timezone.now())
    position, page = current_position(client, study)
    assert 'name="outside_help"' in page.content.decode()
    posted = client.post(flow_url(study), answer_data(position, outside_help="yes"))
    assert posted.status_code == 302
    stored = participant.trials.get(position=position)
    assert (stored.outside_help, stored.flag_outside_help) == (True, True)
    assert not participant.trials.filter(flag_outside_help=True).exclude(pk=stored.pk).exists()
