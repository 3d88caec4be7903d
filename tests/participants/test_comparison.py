"""You against the model: the language models on the items a participant answered, and where
the participant stands; per item only where the study shows per-trial results anyway."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from braintrial.items.models import Item
from braintrial.studies.models import Study
from tests.factories import scorer_make, scores_make
from tests.participants.conftest import answer_all, flow_url, walk_to_practice

pytestmark = pytest.mark.django_db


def _finish(client: Client, study: Study, *, right: bool = True) -> str:
    walk_to_practice(client, study)
    answer_all(client, study, right=right)
    client.post(flow_url(study), {"step": "debrief", "outside_help": "no"})
    return client.get(flow_url(study)).content.decode()


@pytest.fixture
def scored(study: Study) -> Study:
    """A model right on every test item of the bank but the first two (by id)."""
    scorer = scorer_make(name="llama-2-7b", display_name="Llama 2 7B")
    items = list(Item.objects.filter(bank=study.bank, kind=Item.Kind.TEST).order_by("id"))
    scores_make(
        scorer=scorer,
        ppl={item: ((12.0, 10.0) if n < 2 else (10.0, 10.0 + n)) for n, item in enumerate(items)},
    )
    study.show_model_comparison = True
    study.save()
    return study


def test_score_study_shows_totals_of_you_and_the_model_but_no_item(
    client: Client, scored: Study
) -> None:
    scored.debrief_detail = Study.DebriefDetail.SCORE
    scored.save()
    page = _finish(client, scored)
    assert "You against the language models" in page
    assert "Of your 9 test trials you picked the published version in 9." in page
    assert re.search(r"Llama 2 7B</th><td>\d of 9</td>", page)
    # Nothing per item: neither the participant's nor the model's answer to any one trial.
    assert "Trial by trial" not in page and "Right" not in page and "Wrong" not in page


def test_full_study_shows_the_model_beside_each_trial(client: Client, scored: Study) -> None:
    scored.debrief_detail = Study.DebriefDetail.FULL
    scored.save()
    page = _finish(client, scored)
    assert "Trial by trial: you and Llama 2 7B" in page
    assert "Its sureness" in page
    assert len(re.findall(r"<tr><th scope=\"row\">\d</th><td>Right</td>", page)) == 9


def test_participant_is_placed_among_the_completed_participants(
    scored: Study,
) -> None:
    scored.debrief_detail = Study.DebriefDetail.SCORE
    scored.save()
    _finish(Client(REMOTE_ADDR="203.0.113.1"), scored, right=False)
    page = _finish(Client(REMOTE_ADDR="203.0.113.2"), scored, right=True)
    # Above one of two (the other), tied with one (itself, counted half): the 75th.
    assert "Among the 2 participants so far that places you at the 75th percentile" in page


def test_study_withholding_results_shows_no_comparison(client: Client, scored: Study) -> None:
    assert scored.debrief_detail == Study.DebriefDetail.NONE
    page = _finish(client, scored)
    assert "language models" not in page and "Llama" not in page


def test_comparison_is_off_unless_the_study_turns_it_on(client: Client, study: Study) -> None:
    study.debrief_detail = Study.DebriefDetail.FULL
    study.save()
    assert study.show_model_comparison is False
    page = _finish(client, study)
    assert "language models" not in page
