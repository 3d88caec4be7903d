"""A small made-up study with answers and two scorers, and the people who look at it."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from braintrial.dashboard import services as dashboard_services
from braintrial.items.models import Item, ItemBank
from braintrial.participants.models import Participant
from braintrial.studies.models import Study
from scoring.models import Scorer
from tests.factories import (
    items_make,
    participant_make,
    read_all_grant,
    scorer_make,
    scores_make,
    trial_make,
)

PASSWORD = "a-long-test-password-7"


@dataclass
class World:
    study: Study
    other_study: Study
    researcher: object
    other_researcher: object
    staff: object
    items: list[Item]
    scorers: list[Scorer]


def _items(bank: str, n_human: int = 12, n_gpt4: int = 6) -> list[Item]:
    return items_make(bank=bank, n=n_human) + items_make(
        bank=bank, n=n_gpt4, source=Item.Source.GPT4
    )


def add_participant(
    study: Study,
    items: list[Item],
    *,
    pattern: list[bool],
    flags: dict[str, bool] | None = None,
    position: str = "Doctoral student",
    minutes_ago: int = 60,
) -> Participant:
    """A completed participant answering ``items`` in order, right/wrong by ``pattern``."""
    now = timezone.now() - timedelta(minutes=minutes_ago)
    person, _ = participant_make(study, position=position, completed_at=now, **(flags or {}))
    for n, (item, right) in enumerate(zip(items, pattern, strict=True), start=1):
        trial_make(
            person,
            item,
            n,
            correct=right,
            shown_at=now - timedelta(minutes=10 - n),
            answered_at=now - timedelta(minutes=9 - n),
            confidence=10 * n,
            expertise=5 + 9 * n,
            rt_server_ms=20_000,
        )
    return person


def add_scorer(name: str, items: list[Item], *, wrong_every: int) -> Scorer:
    # Published scorers count in the analysis without a succeeded run.
    scorer = scorer_make(name=name, display_name=name.title())
    ppl = {
        item: (10.0, 10.0 + (-1 if i % wrong_every == 0 else 1) * (1 + i % 7))
        for i, item in enumerate(items)
    }
    scores_make(scorer=scorer, ppl=ppl)
    return scorer


@pytest.fixture
def world(db) -> World:
    user_model = get_user_model()
    study = Study.objects.create(slug="tiny", title="Tiny study", bank="tiny")
    other = Study.objects.create(slug="other", title="Other study", bank="other")
    researcher = user_model.objects.create_user("rita", password=PASSWORD)
    other_researcher = user_model.objects.create_user("otto", password=PASSWORD)
    staff = user_model.objects.create_user("stef", password=PASSWORD, is_staff=True)
    read_all_grant(staff)
    study.researchers.add(researcher)
    other.researchers.add(other_researcher)
    # Each team owns its study's bank, as creating the study through the services makes it.
    ItemBank.objects.create(name="tiny").owners.add(researcher)
    ItemBank.objects.create(name="other").owners.add(other_researcher)
    items = _items("tiny")
    human = [i for i in items if i.source == Item.Source.HUMAN]
    gpt4 = [i for i in items if i.source == Item.Source.GPT4]
    positions = ["Doctoral student", "Postdoctoral researcher", "Faculty/Academic staff"]
    for p in range(12):
        chosen = human[p % 6 : p % 6 + 6] + gpt4[p % 3 : p % 3 + 3]
        pattern = [(p + n) % 3 != 0 for n in range(len(chosen))]
        add_participant(study, chosen, pattern=pattern, position=positions[p % 3],
                        minutes_ago=10 * (12 - p))  # fmt: skip
    # One participant who failed the catch trials and answered everything right: excluded by
    # default, so switching that rule off raises human accuracy.
    add_participant(study, human[:6] + gpt4[:3], pattern=[True] * 9,
                    flags={"flag_failed_catch": True})  # fmt: skip
    scorers = [
        add_scorer("model-strong", items, wrong_every=6),
        add_scorer("model-weak", items, wrong_every=2),
    ]
    return World(study, other, researcher, other_researcher, staff, items, scorers)


@pytest.fixture
def participant_client(world: World) -> Client:
    """A browser holding only a participant's study cookie (no Django login)."""
    token = secrets.token_urlsafe(32)
    person = Participant.objects.filter(study=world.study).first()
    person.token_hash = hashlib.sha256(token.encode()).hexdigest()
    person.save(update_fields=["token_hash"])
    client = Client()
    client.cookies[f"bt_{world.study.slug}"] = token
    return client


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def handed_over(settings: Any, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Reports computed in the background; the study ids handed to the reports queue are
    recorded (no worker consumes it here: a test runs the worker's task itself where it needs
    the report, and the broker itself is not under test)."""
    settings.DASHBOARD_BACKGROUND_REPORTS = True
    sent: list[int] = []

    def send(*, arguments: list[Any], countdown: float) -> None:
        sent.append(arguments[0])

    monkeypatch.setattr(dashboard_services, "report_task_send", send)
    cache.clear()
    return sent
