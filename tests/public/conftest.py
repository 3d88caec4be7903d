"""A study with analysed participants, one complete and one half-scored model, and its report
computed and cached as the background worker leaves it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from braintrial.dashboard.services import study_report_refresh
from braintrial.items.models import Item
from braintrial.studies.models import Study
from scoring.models import ScoreRun
from tests.factories import (
    items_make,
    participant_make,
    run_make,
    scorer_make,
    scores_make,
    study_editor_grant,
    study_make,
    trial_make,
)

SLUG = "open-results"


@dataclass
class Public:
    study: Study
    researcher: User
    items: list[Item]
    recruitment_ids: list[str]


@pytest.fixture
def public(db: None) -> Public:
    cache.clear()
    made = study_make(SLUG, n_people=0, scored=False, public_results=True, planned_participants=4)
    study = made.study
    items = made.items + items_make(bank=study.bank, n=4, source=Item.Source.GPT4)
    recruitment_ids = []
    for n in range(3):
        rid = f"secret-recruit-{n}"
        recruitment_ids.append(rid)
        person, _ = participant_make(study, n, recruitment_id=rid)
        for position, item in enumerate(items, start=1):
            trial_make(person, item, position, correct=(n + position) % 3 != 0)
    ppl = {item: (10.0, 12.0 if n % 4 else 9.0) for n, item in enumerate(items)}
    complete = scorer_make(name="complete-model", display_name="Complete model")
    scores_make(scorer=complete, ppl=ppl)
    half = scorer_make(name="half-model", published=False)
    run = run_make(scorer=half, study=study, items=items[:5], status=ScoreRun.Status.SUCCEEDED)
    scores_make(scorer=half, ppl=dict(list(ppl.items())[:5]), run=run)
    study_editor_grant(made.researcher)
    return Public(
        study=study,
        researcher=made.researcher,  # type: ignore[arg-type]
        items=items,
        recruitment_ids=recruitment_ids,
    )


@pytest.fixture
def cached(public: Public) -> Public:
    """The report computed as the worker does it (the public pages only read it)."""
    study_report_refresh(study=public.study)
    return public


def researcher_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client
