"""Fixtures for the participant flow: a small item bank made in the test, a study, and helpers
that walk a participant through the real HTTP flow with Django's test client."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from braintrial.items.models import Item
from braintrial.participants.models import Participant, Trial
from braintrial.studies.models import Study
from braintrial.studies.services import study_create
from tests.conftest import FORM  # noqa: F401 (imported from here by the tests)
from tests.factories import item_make

BANK = "testbank"
POSITION = re.compile(r'name="position" value="(\d+)"')


def make_bank(*, bank: str = BANK, n_human: int = 20, n_gpt4: int = 10) -> list[Item]:
    """Human items with distinct DOIs; the first half of the GPT-4 items share a DOI with a
    human item (the same paper rewritten), the rest have their own."""
    human = [
        item_make(
            bank=bank,
            row=i + 1,
            doi=f"10.1000/paper-{i}",
            section="Systems/Circuits",
            original=f"Human paper {i}: the treatment increased firing rates.",
            altered=f"Human paper {i}: the treatment decreased firing rates.",
        )
        for i in range(n_human)
    ]
    return human + [
        item_make(
            bank=bank,
            source=Item.Source.GPT4,
            row=j + 1,
            doi=f"10.1000/paper-{j}" if j < n_gpt4 // 2 else f"10.2000/gpt-{j}",
            section="Cognitive",
            original=f"GPT paper {j}: memory recall improved after sleep.",
            altered=f"GPT paper {j}: memory recall worsened after sleep.",
        )
        for j in range(n_gpt4)
    ]


def ensure_builtin_items() -> None:
    """The practice and catch items come from a data migration; a transactional test elsewhere
    may have truncated them, so put them back (idempotent)."""
    from braintrial.items.builtin import builtin_items_ensure

    builtin_items_ensure(item_model=Item)


@pytest.fixture(autouse=True)
def participant_posts_like_a_browser(posts_like_a_browser: None) -> None:
    """Participant pages refuse multipart bodies: every post here is url-encoded."""


@pytest.fixture
def bank(db: Any) -> list[Item]:
    ensure_builtin_items()
    return make_bank()


@pytest.fixture
def study(bank: list[Item]) -> Study:
    return study_create(
        slug="pilot", title="Pilot study", bank=BANK, completion_code="C0DE42", is_open=True
    )


def cookie(client: Client, study: Study) -> str:
    return client.cookies[f"bt_{study.slug}"].value


def flow_url(study: Study) -> str:
    return f"/s/{study.slug}/flow/"


def start(client: Client, study: Study, **params: str) -> Any:
    return client.post(f"/s/{study.slug}/", params)


def participant_of(client: Client, study: Study) -> Participant:
    from braintrial.participants.selectors import participant_get_by_token

    return participant_get_by_token(study=study, token=cookie(client, study))


DEMOGRAPHICS = {
    "step": "demographics",
    "gender": "Female",
    "age": "34",
    "country": "Germany",
    "position": "Postdoctoral researcher",
    "experience_years": "7.5",
}


def walk_to_practice(client: Client, study: Study, **params: str) -> Participant:
    """Landing, consent, demographics and instructions; the participant is on the practice."""
    assert start(client, study, **params).status_code == 302
    assert client.post(flow_url(study), {"step": "consent", "consent": "agree"}).status_code == 302
    assert client.post(flow_url(study), DEMOGRAPHICS).status_code == 302
    assert client.post(flow_url(study), {"step": "instructions"}).status_code == 302
    return participant_of(client, study)


def answer_data(position: int, step: str = "trials", **overrides: str) -> dict[str, str]:
    data = {
        "step": step,
        "position": str(position),
        "choice": "A",
        "confidence": "70",
        "expertise": "40",
        "recognised": "no",
        "rt_client_ms": "12000",
        "blur_count": "0",
        "confidence_moved": "1",
        "expertise_moved": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def current_position(client: Client, study: Study) -> tuple[int, Any]:
    """Show the current trial page; its position and the response. The "practice is over"
    page between the practice and the trials is passed on the way, as a participant would."""
    response = client.get(flow_url(study))
    assert response.status_code == 200
    if b'name="step" value="practice_over"' in response.content:
        assert client.post(flow_url(study), {"step": "practice_over"}).status_code == 302
        response = client.get(flow_url(study))
    match = POSITION.search(response.content.decode())
    assert match, "the current page is not a trial page"
    return int(match.group(1)), response


def right_choice(trial: Trial) -> str:
    return "A" if trial.original_is_a else "B"


def answer_all(client: Client, study: Study, *, right: bool = True) -> None:
    """Answer the practice and every trial (right or wrong) through the pages."""
    participant = participant_of(client, study)
    for trial in participant.trials.order_by("position"):
        position, _ = current_position(client, study)
        assert position == trial.position
        choice = right_choice(trial) if right else {"A": "B", "B": "A"}[right_choice(trial)]
        step = "practice" if trial.position == 0 else "trials"
        response = client.post(flow_url(study), answer_data(position, step, choice=choice))
        assert response.status_code == 302, response.content.decode()[:500]
