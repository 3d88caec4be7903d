"""The one place tests make rows: users, items, studies, participants, trials, scorers, runs.

Real rows on Postgres, no mocks. Every builder has defaults that make a valid row, so a test
states only what it is about; the fixtures of each test folder are built from these.
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from braintrial.items.models import Item, ItemBank
from braintrial.participants.models import Participant, Trial
from braintrial.participants.selectors import token_hash
from braintrial.studies.models import Study
from scoring.models import ACTIVE_RUN_STATUSES, ItemScore, Scorer, ScoreRun

T0 = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)
SECTIONS = ("Behavioral/Cognitive", "Systems/Circuits", "Neurobiology of Disease")
# Items are unique per (bank, source_file, row): made-up rows come from one counter.
_rows = itertools.count(1)


def user_make(
    username: str, *, staff: bool = False, password: str | None = None
) -> AbstractBaseUser:
    """A user; without ``password`` an unusable one (hashing a real one costs ~0.3 s).

    ``staff``: an operator who may also read every study (the staff flag alone does not)."""
    user = get_user_model().objects.create_user(
        username=username, password=password, is_staff=staff
    )
    if staff:
        read_all_grant(user)
    return user


def study_editor_grant(user: AbstractBaseUser) -> None:
    """Give ``user`` the permissions of a researcher who sets up studies (as ``make demo``'s)."""
    from django.contrib.auth.models import Permission

    permissions = Permission.objects.filter(codename__in=["add_study", "change_study"])
    user.user_permissions.add(*permissions)  # type: ignore[attr-defined]


def read_all_grant(user: AbstractBaseUser) -> None:
    """Give ``user`` the permission to read every study."""
    from django.contrib.auth.models import Permission

    permission = Permission.objects.get(codename="view_all_studies")
    user.user_permissions.add(permission)  # type: ignore[attr-defined]


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
    source_file: str | None = None,
) -> Item:
    row = next(_rows) if row is None else row
    return Item.objects.create(
        bank=bank,
        kind=kind,
        source=source,
        source_file=source_file or f"{bank}-{source}.csv",
        row=row,
        abstract_id=row,
        doi=doi or f"10.1523/JNEUROSCI.{row:04d}-22.2023",
        journal_section=section or SECTIONS[row % len(SECTIONS)],
        original=original or f"Original {bank} {row}: results went up.",
        altered=altered or f"Altered {bank} {row}: results went down.",
    )


def items_make(*, bank: str, n: int = 6, source: str = Item.Source.HUMAN) -> list[Item]:
    """``n`` test items of one source, rows 1..n (sections in turn)."""
    return [
        item_make(bank=bank, source=source, row=i + 1, section=SECTIONS[i % len(SECTIONS)])
        for i in range(n)
    ]


def participant_make(study: Study, n: int = 0, **fields: Any) -> tuple[Participant, str]:
    """A completed participant (number ``n`` sets the age) and the session token it holds."""
    token = secrets.token_urlsafe(24)
    values: dict[str, Any] = {
        "status": Participant.Status.COMPLETED,
        "gender": "Female",
        "age": 30 + n,
        "country": "United Kingdom",
        "position": "Doctoral student",
        "experience_years": 4,
        "completed_at": T0,
    }
    values.update(fields)
    if values["status"] != Participant.Status.COMPLETED and "completed_at" not in fields:
        values["completed_at"] = None
    participant = Participant.objects.create(
        study=study, token_hash=token_hash(token=token), **values
    )
    return participant, token


def trial_make(participant: Participant, item: Item, position: int, **fields: Any) -> Trial:
    """An answered trial; choice A, which is the original on even positions unless ``correct``
    says how the answer went (then A is the original exactly when it is correct)."""
    correct = fields.get("correct", position % 2 == 0)
    values: dict[str, Any] = {
        "kind": item.kind,
        "original_is_a": bool(correct) if correct is not None else position % 2 == 0,
        "shown_at": T0 + dt.timedelta(minutes=position),
        "answered_at": T0 + dt.timedelta(minutes=position, seconds=30),
        "choice": "A",
        "correct": correct,
        "confidence": 50 + position,
        "expertise": 40 + position,
        "recognised": False,
        "rt_server_ms": 30_000 + position,
        "rt_client_ms": 29_900 + position,
        "blur_count": 0,
        "confidence_moved": True,
        "expertise_moved": True,
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
    """One score per item from (ppl_original, ppl_altered), stamped with ``fingerprint`` or
    the scorer's current configuration (published scores carry none)."""
    stamp = "" if scorer.is_published else scorer.config_fingerprint
    stamp = stamp if fingerprint is None else fingerprint
    return ItemScore.objects.bulk_create(
        ItemScore(
            scorer=scorer,
            item=item,
            run=run,
            ppl_original=original,
            ppl_altered=altered,
            correct=original < altered,
            confidence=abs(original - altered),
            config_fingerprint=stamp,
        )
        for item, (original, altered) in ppl.items()
    )


def run_make(
    *,
    scorer: Scorer,
    items: Iterable[Item],
    status: str,
    study: Study | None = None,
    fingerprint: str | None = None,
) -> ScoreRun:
    """A run in ``status`` over ``items``, started under ``fingerprint`` or the scorer's
    current configuration; finished runs have their finishing time."""
    chosen = list(items)
    run = ScoreRun.objects.create(
        scorer=scorer,
        study=study,
        status=status,
        n_total=len(chosen),
        config_fingerprint=scorer.config_fingerprint if fingerprint is None else fingerprint,
        finished_at=None if status in ACTIVE_RUN_STATUSES else T0,
    )
    run.items.set(chosen)
    return run


@dataclass
class Made:
    study: Study
    researcher: AbstractBaseUser
    items: list[Item]
    participants: list[Participant] = field(default_factory=list)
    trials: list[Trial] = field(default_factory=list)
    tokens: dict[int, str] = field(default_factory=dict)


def study_make(
    slug: str,
    *,
    researcher: AbstractBaseUser | None = None,
    n_people: int = 2,
    scored: bool = True,
    **fields: Any,
) -> Made:
    """A study on its own bank of 6 human-written items, its researcher, ``n_people``
    completed participants x 3 trials and (``scored``) a published scorer's scores."""
    study = Study.objects.create(slug=slug, title=f"Study {slug}", bank=f"bank-{slug}", **fields)
    researcher = researcher or user_make(f"researcher-{slug}")
    study.researchers.add(researcher)
    # As study_create_with_researcher does: a new bank name is its creator's.
    ItemBank.objects.get_or_create(name=study.bank)[0].owners.add(researcher)
    made = Made(study=study, researcher=researcher, items=items_make(bank=study.bank))
    if scored:
        scorer = Scorer.objects.filter(name="factory-model").first() or scorer_make(
            name="factory-model"
        )
        ppl = {item: (10.0 + n, 12.5) for n, item in enumerate(made.items)}
        scores_make(scorer=scorer, ppl=ppl)
    for n in range(n_people):
        participant, token = participant_make(study, n, recruitment_id=f"{slug}-p{n}")
        made.participants.append(participant)
        made.tokens[participant.pk] = token
        for position in (1, 2, 3):
            item = made.items[(n + position) % len(made.items)]
            made.trials.append(trial_make(participant, item, position))
    return made
