"""The numbers and names participants read come from one source each (issue 21): the consent
and instructions state the study's own trial count and duration, every page before and during
the trials says which step it is, and the results count the test trials only, with the models'
readable names."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from braintrial.items.models import Item
from braintrial.studies.models import Study
from tests.factories import scorer_make, scores_make
from tests.participants.conftest import (
    DEMOGRAPHICS,
    answer_all,
    answer_data,
    flow_url,
    start,
    walk_to_practice,
)

pytestmark = pytest.mark.django_db
STAGE = re.compile(r'<p class="stage-label" id="stage-label">Step (\d+) of (\d+)</p>')


def _stage(page: str) -> tuple[int, int] | None:
    found = STAGE.search(page)
    return (int(found.group(1)), int(found.group(2))) if found else None


def test_the_default_consent_states_the_duration_the_landing_page_states(
    client: Client, study: Study
) -> None:
    """Issue 21: the default consent said "about 30 minutes" while the landing page said 22."""
    landing = client.get(f"/s/{study.slug}/").content.decode()
    assert "takes about 22 minutes" in landing
    start(client, study)
    consent = client.get(flow_url(study)).content.decode()
    assert "It takes about 22 minutes." in consent
    # 9 test and 2 catch trials after the practice: the pages show 12 pairs (issue 28).
    assert "You will read 12 pairs of abstracts" in consent
    assert "30 minutes" not in consent and "{minutes}" not in consent


def test_custom_texts_get_their_placeholders_filled(client: Client, study: Study) -> None:
    study.consent_text = "Plan {minutes} minutes for {trials} trials."
    study.instructions_text = "Answer all {trials} of them."
    study.catch_trials_enabled = False
    study.save()
    start(client, study)
    assert "Plan 19 minutes for 9 trials." in client.get(flow_url(study)).content.decode()
    client.post(flow_url(study), {"step": "consent", "consent": "agree"})
    client.post(flow_url(study), DEMOGRAPHICS)
    assert "Answer all 9 of them." in client.get(flow_url(study)).content.decode()


def test_every_page_of_the_flow_says_which_step_it_is(client: Client, study: Study) -> None:
    start(client, study)
    pages = {"consent": client.get(flow_url(study)).content.decode()}
    client.post(flow_url(study), {"step": "consent", "consent": "agree"})
    pages["demographics"] = client.get(flow_url(study)).content.decode()
    client.post(flow_url(study), DEMOGRAPHICS)
    pages["instructions"] = client.get(flow_url(study)).content.decode()
    client.post(flow_url(study), {"step": "instructions"})
    pages["practice"] = client.get(flow_url(study)).content.decode()
    client.post(flow_url(study), answer_data(0, "practice"))
    pages["practice_over"] = client.get(flow_url(study)).content.decode()
    client.post(flow_url(study), {"step": "practice_over"})
    pages["trial"] = client.get(flow_url(study)).content.decode()
    stages = {name: _stage(page) for name, page in pages.items()}
    assert stages == {
        "consent": (1, 6),
        "demographics": (2, 6),
        "instructions": (3, 6),
        "practice": (4, 6),
        "practice_over": (4, 6),
        "trial": (5, 6),
    }
    # A bar where the page has none of its own; the trial page's bar counts the trials.
    for name in ("consent", "demographics", "instructions", "practice"):
        assert '<progress class="progress" max="6"' in pages[name], name
    assert '<progress class="progress" max="11" value="1"' in pages["trial"]


def test_without_a_practice_there_is_one_step_less(client: Client, study: Study) -> None:
    study.practice_enabled = False
    study.save()
    participant = walk_to_practice(client, study)
    assert _stage(client.get(flow_url(study)).content.decode()) == (4, 5)
    answer_all(client, study)
    assert participant.trials.count() == 11
    assert _stage(client.get(flow_url(study)).content.decode()) == (5, 5)  # the last question


def test_results_count_the_test_trials_only(client: Client, study: Study) -> None:
    """Issue 21: "6 of 11 trials" counted the catch trials, then "Of your 9 test trials"."""
    study.debrief_detail = Study.DebriefDetail.FULL
    study.save()
    walk_to_practice(client, study)
    answer_all(client, study, right=False)
    client.post(flow_url(study), {"step": "debrief", "outside_help": "no"})
    page = client.get(flow_url(study)).content.decode()
    assert "Of your 9 test trials, you picked the published version in 0." in page
    assert "The 2 attention checks are not counted." in page
    assert "of 11 trials" not in page
    assert page.count("(attention check)") == 2


def test_results_name_the_models_by_their_display_name(client: Client, study: Study) -> None:
    scorer = scorer_make(
        name="finetune-llama2-chat-7b", display_name="Llama-2-7B (chat), LoRA fine-tune"
    )
    items = Item.objects.filter(bank=study.bank, kind=Item.Kind.TEST)
    scores_make(scorer=scorer, ppl={item: (10.0, 11.0) for item in items})
    study.debrief_detail = Study.DebriefDetail.SCORE
    study.show_model_comparison = True
    study.save()
    walk_to_practice(client, study)
    answer_all(client, study)
    client.post(flow_url(study), {"step": "debrief", "outside_help": "no"})
    page = client.get(flow_url(study)).content.decode()
    assert "Llama-2-7B (chat), LoRA fine-tune</th><td>9 of 9</td>" in page
    assert "finetune" not in page.replace("LoRA fine-tune", "")
