"""No leakage: nothing a participant's browser receives tells which version is the original.

The trial page is rendered for many participants and trials, with the A/B draw as stored and
flipped; once the two abstract texts are blanked out, every page is the same markup. POST
responses to right and wrong answers are the same too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils.html import escape

from braintrial.participants.models import Trial
from braintrial.studies.models import Study
from tests.participants.conftest import (
    answer_data,
    current_position,
    flow_url,
    participant_of,
    right_choice,
    walk_to_practice,
)

pytestmark = pytest.mark.django_db
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
FORBIDDEN = ("original", "altered", "correct", "doi", "data-item", "item-")


def _blank_texts(html: str, trial: Trial) -> str:
    html = CSRF.sub('name="csrfmiddlewaretoken" value=""', html)
    for text in (trial.item.original, trial.item.altered):
        assert escape(text) in html, "the page must show both versions in full"
        html = html.replace(escape(text), "[TEXT]")
    return html


def _blank_progress(html: str, trial: Trial) -> str:
    html = re.sub(r"Trial \d+ of \d+", "Trial N of M", html)
    html = re.sub(r'value="\d+"', 'value="N"', html)
    return re.sub(r">\d+ of \d+<", ">N of M<", html)


def _page(client: Client, study: Study) -> tuple[Trial, str]:
    position, response = current_position(client, study)
    trial = participant_of(client, study).trials.select_related("item").get(position=position)
    return trial, response.content.decode()


def test_trial_markup_is_identical_whichever_version_is_original(study: Study) -> None:
    shapes: set[str] = set()
    for _ in range(6):
        client = Client()
        walk_to_practice(client, study)
        for _ in range(12):
            trial, html = _page(client, study)
            Trial.objects.filter(pk=trial.pk).update(original_is_a=not trial.original_is_a)
            flipped_trial, flipped = _page(client, study)
            assert flipped_trial.original_is_a is not trial.original_is_a
            # The texts did swap places, and nothing else changed.
            assert html.index(escape(trial.item.original)) != flipped.index(
                escape(trial.item.original)
            )
            assert _blank_texts(html, trial) == _blank_texts(flipped, trial)
            Trial.objects.filter(pk=trial.pk).update(original_is_a=trial.original_is_a)
            # The markup only: a random CSRF token or an abstract may contain "doi" by chance.
            lowered = _blank_texts(html, trial).lower()
            for word in (*FORBIDDEN, trial.item.doi.lower() or "no-doi"):
                assert word not in lowered, word
            if trial.position > 0:
                shapes.add(_blank_progress(_blank_texts(html, trial), trial))
            step = "practice" if trial.position == 0 else "trials"
            client.post(flow_url(study), answer_data(trial.position, step))
    # Every test and catch trial of every participant is one and the same markup: no item id,
    # source, kind or position-dependent attribute reaches the browser.
    assert len(shapes) == 1


def test_static_files_of_the_trial_page_name_no_answer() -> None:
    for name in ("participants/trial.js", "participants/flow.css", "css/base.css"):
        text = (Path(settings.BASE_DIR) / "static" / name).read_text().lower()
        for word in ("original", "altered", "correct"):
            assert word not in text, (name, word)


def _comparable(response: object) -> tuple[object, ...]:
    headers = {k: v for k, v in response.headers.items() if k not in {"Expires", "Date"}}  # type: ignore[attr-defined]
    body = CSRF.sub("", response.content.decode())  # type: ignore[attr-defined]
    return response.status_code, headers, body  # type: ignore[attr-defined]


def test_right_and_wrong_answers_get_the_same_responses(study: Study) -> None:
    right, wrong = Client(), Client()
    walk_to_practice(right, study)
    walk_to_practice(wrong, study)
    for _ in range(12):
        trial_r, _ = _page(right, study)
        trial_w, _ = _page(wrong, study)
        assert trial_r.position == trial_w.position
        step = "practice" if trial_r.position == 0 else "trials"
        good = answer_data(trial_r.position, step, choice=right_choice(trial_r))
        bad = answer_data(
            trial_w.position, step, choice={"A": "B", "B": "A"}[right_choice(trial_w)]
        )
        responses = [right.post(flow_url(study), good), wrong.post(flow_url(study), bad)]
        assert _comparable(responses[0]) == _comparable(responses[1])
        # A repeat is answered the same way for both, and so is an attempt to change it.
        repeats = [right.post(flow_url(study), good), wrong.post(flow_url(study), bad)]
        assert _comparable(repeats[0]) == _comparable(repeats[1])
        flips = [
            right.post(flow_url(study), dict(good, choice={"A": "B", "B": "A"}[good["choice"]])),
            wrong.post(flow_url(study), dict(bad, choice={"A": "B", "B": "A"}[bad["choice"]])),
        ]
        assert [r.status_code for r in flips] == [409, 409]
        assert _comparable(flips[0]) == _comparable(flips[1])
    assert Trial.objects.filter(correct=True).count() == 12
    assert Trial.objects.filter(correct=False).count() == 12


def test_pages_never_show_item_keys(client: Client, study: Study) -> None:
    participant = walk_to_practice(client, study)
    pks = set(participant.trials.values_list("item_id", flat=True))
    _, html = _page(client, study)
    ids = {int(v) for v in re.findall(r'(?:value|id|data-[a-z-]+)="[a-z-]*(\d+)"', html)}
    assert not ids & (pks - {0}), "an item's primary key appears in the page"
