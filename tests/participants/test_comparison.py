"""You against the model: the language models on the items a participant answered, and where
the participant stands; per item only where the study shows per-trial results anyway."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from braintrial.items.models import Item
from braintrial.studies.models import Study
from tests.factories import scorer_make, scores_make
from tests.participants.conftest import (
    answer_all,
    answer_data,
    current_position,
    flow_url,
    participant_of,
    right_choice,
    walk_to_practice,
)

pytestmark = pytest.mark.django_db


def _finish(client: Client, study: Study, *, right: bool = True) -> str:
    walk_to_practice(client, study)
    answer_all(client, study, right=right)
    client.post(flow_url(study), {"step": "debrief", "outside_help": "no"})
    return client.get(flow_url(study)).content.decode()


def _finish_with(study: Study, address: str, *, tests_right: bool, catch_right: bool) -> str:
    """A new participant from ``address`` answers the test trials and the catch trials as told
    (the practice right) and completes; the results page."""
    client = Client(REMOTE_ADDR=address)
    walk_to_practice(client, study)
    for trial in participant_of(client, study).trials.order_by("position"):
        position, _ = current_position(client, study)
        assert position == trial.position
        right = catch_right if trial.kind == Item.Kind.CATCH else tests_right
        if trial.kind == Item.Kind.PRACTICE:
            right = True
        choice = right_choice(trial) if right else {"A": "B", "B": "A"}[right_choice(trial)]
        step = "practice" if trial.position == 0 else "trials"
        response = client.post(flow_url(study), answer_data(position, step, choice=choice))
        assert response.status_code == 302
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
    # Said once, under "Your results"; the comparison does not repeat it (issue 28).
    assert page.count("Of your 9 test trials, you picked the published version in 9.") == 1
    assert re.search(r"Llama 2 7B</th><td>\d of 9</td>", page)
    # Nothing per item: neither the participant's nor the model's answer to any one trial.
    assert "Trial by trial" not in page and "Right" not in page and "Wrong" not in page


def test_full_study_shows_the_model_beside_each_trial(client: Client, scored: Study) -> None:
    scored.debrief_detail = Study.DebriefDetail.FULL
    scored.save()
    page = _finish(client, scored)
    assert "Trial by trial: you and Llama 2 7B" in page
    assert "Its sureness" in page
    # Each row names the trial as its page did (catch trials counted, as in the results
    # table above it) and the abstract's opening words (issue 28: "1-5" beside "Trial 1-7").
    row = re.compile(
        r'<th scope="row">Trial (\d+)(?: \(attention check\))?'
        r'<span class="topic[ a-z]*">([^<]+)</span>'
    )
    results_table, model_table = page.split("Trial by trial: you and Llama 2 7B", 1)
    numbered = dict(row.findall(results_table))
    assert len(numbered) == 11  # 9 test and 2 catch trials
    beside_model = row.findall(model_table)
    assert len(beside_model) == 9
    assert all(numbered[number] == topic for number, topic in beside_model)
    assert {int(n) for n, _ in beside_model} < set(range(1, 12))
    assert {n for n, _ in beside_model} != {str(n) for n in range(1, 10)}
    assert any(topic.startswith("Human paper") for _, topic in beside_model)


def test_participant_is_placed_among_the_analysed_participants(scored: Study) -> None:
    scored.debrief_detail = Study.DebriefDetail.SCORE
    scored.save()
    _finish_with(scored, "203.0.113.1", tests_right=False, catch_right=True)
    page = _finish_with(scored, "203.0.113.2", tests_right=True, catch_right=True)
    # Above one of two (the other), tied with one (itself, counted half): the 75th.
    assert (
        "Among the 2 participants so far whose answers the study analyses, your score places "
        "you at "
        "the 75th percentile" in page
    )


def test_participants_the_study_excludes_do_not_set_the_bar(scored: Study) -> None:
    """Under the study's own rules a failed catch trial excludes: that participant's score is
    no one's bar, though they still see where they would stand among the analysed ones."""
    scored.debrief_detail = Study.DebriefDetail.SCORE
    scored.save()
    first = _finish_with(scored, "203.0.113.1", tests_right=False, catch_right=False)
    assert "no one to compare your score with" in first
    page = _finish_with(scored, "203.0.113.2", tests_right=True, catch_right=True)
    assert "no one to compare your score with" in page and "percentile" not in page
    excluded = _finish_with(scored, "203.0.113.3", tests_right=True, catch_right=False)
    # Ranked among the one analysed participant (tied: counted half), not counted itself.
    assert (
        "Among the 1 participant so far whose answers the study analyses, your score places "
        "you at "
        "the 50th percentile" in excluded
    )


def test_the_group_follows_the_study_s_own_exclusion_rules(scored: Study) -> None:
    scored.debrief_detail = Study.DebriefDetail.SCORE
    scored.exclude_failed_catch = False
    scored.save()
    _finish_with(scored, "203.0.113.1", tests_right=False, catch_right=False)
    page = _finish_with(scored, "203.0.113.2", tests_right=True, catch_right=True)
    assert "Among the 2 participants so far" in page and "the 75th percentile" in page


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


def test_the_settings_name_the_reader_and_without_one_no_comparison_is_shown(
    client: Client, scored: Study, settings
) -> None:
    """The results page reads the comparison through the reader the settings name (the apps
    it reads sit above the participants' app), and shows none where no reader is named."""
    assert settings.PARTICIPANT_COMPARISON_READER == (
        "braintrial.analysis.comparison.model_comparison"
    )
    scored.debrief_detail = Study.DebriefDetail.SCORE
    scored.save()
    settings.PARTICIPANT_COMPARISON_READER = ""
    page = _finish(client, scored)
    assert "You against the language models" not in page
