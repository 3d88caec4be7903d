"""The one place tests make rows: users, items, studies, participants, trials, scorers, runs.

Real rows on Postgres, no mocks. Every builder takes keyword arguments with defaults that make
a valid row, so a test states only what it is about.
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from braintrial.items.models import Item
from braintrial.participants.models import Participant, Trial
from braintrial.participants.selectors import token_hash
from braintrial.studies.models import Study
from scoring.models import ItemScore, Scorer, ScoreRun

T0 = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)
SECTIONS = ("Behavioral/Cognitive", "Systems/Circuits", "Neurobiology of Disease")
# Rows are unique per (bank, source_file, row): a counter keeps made-up items apart.
_rows = itertools.count(1)


def user_make(
    username: str, *, staff: bool = False, password: str | None = None
) -> AbstractBaseUser:
    """A user; without ``password`` an unusable one (hashing a real one costs ~0.3 s)."""
    return get_user_model().objects.create_user(
        username=username, password=password, is_staff=staff
    )


def item_make(
    *,
    bank: str,
    source: str = Item.Source.HUMAN,
    kind: str = Item.Kind.TEST,
    row: int | None = None,
    section: str | None = None,
    doi: str | None = None,
    original: str | None = None,
    altered: str | None = None,
    abstract_id: int | None = None,
) -> Item:
    row = next(_rows) if row is None else row
    return Item.objects.create(
        bank=bank,
        kind=kind,
        source=source,
        source_file=f"{bank}-{source}.csv",
        row=row,
        abstract_id=row if abstract_id is None else abstract_id,
        doi=doi or f"10.1523/JNEUROSCI.{row:04d}-22.2023",
        journal_section=section or SECTIONS[row % len(SECTIONS)],
        original=original or f"Original {bank} {source} {row}: the effect went up.",
        altered=altered or f"Altered {bank} {source} {row}: the effect went down.",
    )


def items_make(*, bank: str, n_human: int = 6, n_gpt4: int = 0) -> list[Item]:
    """Human-written items first, then GPT-4-written ones, rows 1.. per source."""
    return [
        item_make(bank=bank, source=source, row=row)
        for source, count in ((Item.Source.HUMAN, n_human), (Item.Source.GPT4, n_gpt4))
        for row in range(1, count + 1)
    ]


def study_make(
    *,
    slug: str,
    bank: str | None = None,
    researchers: Iterable[AbstractBaseUser] = (),
    **fields: Any,
) -> Study:
    study = Study.objects.create(
        slug=slug, title=f"Study {slug}", bank=bank or f"bank-{slug}", **fields
    )
    study.researchers.add(*researchers)
    return study


def participant_make(
    *, study: Study, status: str = Participant.Status.COMPLETED, **fields: Any
) -> tuple[Participant, str]:
    """A participant (completed unless said otherwise) and the session token it holds."""
    token = secrets.token_urlsafe(24)
    values: dict[str, Any] = {
        "gender": "Female",
        "age": 34,
        "country": "United Kingdom",
        "position": "Doctoral student",
        "experience_years": 4,
        "completed_at": T0 if status == Participant.Status.COMPLETED else None,
    }
    values.update(fields)
    participant = Participant.objects.create(
        study=study, status=status, token_hash=token_hash(token=token), **values
    )
    return participant, token


def trial_make(
    *,
    participant: Participant,
    item: Item,
    position: int,
    correct: bool | None = True,
    **fields: Any,
) -> Trial:
    """An answered trial (``correct=None``: shown, not answered); version A is the original."""
    answered = correct is not None
    values: dict[str, Any] = {
        "kind": item.kind,
        "original_is_a": True,
        "shown_at": T0 + dt.timedelta(minutes=position),
        "answered_at": T0 + dt.timedelta(minutes=position, seconds=30) if answered else None,
        "choice": ("A" if correct else "B") if answered else "",
        "correct": correct,
        "confidence": 50 + position if answered else None,
        "expertise": 40 + position if answered else None,
        "recognised": False if answered else None,
        "rt_server_ms": 30_000 + position if answered else None,
        "rt_client_ms": 29_900 + position if answered else None,
        "blur_count": 0,
        "confidence_moved": True if answered else None,
        "expertise_moved": True if answered else None,
    }
    values.update(fields)
    return Trial.objects.create(participant=participant, item=item, position=position, **values)


def scorer_make(*, name: str, published: bool = True, **fields: Any) -> Scorer:
    """A published scorer (imported scores, never runs) or a runnable one on a local folder."""
    values: dict[str, Any] = {
        "display_name": name.replace("-", " ").title(),
        "model_source": "" if published else f"local/{name}",
    }
    values.update(fields)
    return Scorer.objects.create(name=name, is_published=published, **values)


def scores_make(
    *,
    scorer: Scorer,
    ppl: Mapping[Item, tuple[float, float]],
    run: ScoreRun | None = None,
    fingerprint: str | None = None,
) -> list[ItemScore]:
    """One score per item from (ppl_original, ppl_altered), under the scorer's current
    configuration unless ``fingerprint`` says otherwise."""
    stamp = scorer.config_fingerprint if fingerprint is None else fingerprint
    return ItemScore.objects.bulk_create(
        ItemScore(
            scorer=scorer,
            item=item,
            run=run,
            ppl_original=original,
            ppl_altered=altered,
            correct=original < altered,
            confidence=abs(original - altered),
            config_fingerprint="" if scorer.is_published else stamp,
        )
        for item, (original, altered) in ppl.items()
    )


def run_make(
    *, scorer: Scorer, study: Study | None, items: Iterable[Item], status: str
) -> ScoreRun:
    """A run in ``status`` over ``items``, recorded under the scorer's current configuration."""
    items = list(items)
    run = ScoreRun.objects.create(
        scorer=scorer,
        study=study,
        status=status,
        n_total=len(items),
        config_fingerprint=scorer.config_fingerprint,
    )
    run.items.set(items)
    return run
