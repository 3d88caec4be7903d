"""Small made-up studies for the export and API tests (real rows on Postgres, no mocks)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from braintrial.items.models import Item
from braintrial.participants.models import Participant, Trial
from braintrial.participants.selectors import token_hash
from braintrial.studies.models import Study
from scoring.models import ItemScore, Scorer

T0 = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)
SECTIONS = ["Behavioral/Cognitive", "Systems/Circuits", "Neurobiology of Disease"]


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


def read_all_grant(user: AbstractBaseUser) -> None:
    """Give ``user`` the permission to read every study."""
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="view_all_studies"))  # type: ignore[attr-defined]


def items_make(*, bank: str, n: int = 6, source: str = Item.Source.HUMAN) -> list[Item]:
    return [
        Item.objects.create(
            bank=bank,
            source=source,
            source_file=f"{bank}-{source}.csv",
            row=i + 1,
            abstract_id=i + 1,
            doi=f"10.1523/JNEUROSCI.{i:04d}-22.2023",
            journal_section=SECTIONS[i % len(SECTIONS)],
            original=f"Original {bank} {i}: results went up.",
            altered=f"Altered {bank} {i}: results went down.",
        )
        for i in range(n)
    ]


@dataclass
class Made:
    study: Study
    researcher: AbstractBaseUser
    items: list[Item]
    participants: list[Participant] = field(default_factory=list)
    trials: list[Trial] = field(default_factory=list)
    tokens: dict[int, str] = field(default_factory=dict)


def participant_make(study: Study, n: int, **fields: object) -> tuple[Participant, str]:
    token = secrets.token_urlsafe(24)
    values: dict[str, object] = {
        "status": Participant.Status.COMPLETED,
        "gender": "Female",
        "age": 30 + n,
        "country": "United Kingdom",
        "position": "Doctoral student",
        "experience_years": 4,
        "completed_at": T0,
    }
    values.update(fields)
    participant = Participant.objects.create(
        study=study, token_hash=token_hash(token=token), **values
    )
    return participant, token


def trial_make(participant: Participant, item: Item, position: int, **fields: object) -> Trial:
    values: dict[str, object] = {
        "kind": item.kind,
        "original_is_a": position % 2 == 0,
        "shown_at": T0 + dt.timedelta(minutes=position),
        "answered_at": T0 + dt.timedelta(minutes=position, seconds=30),
        "choice": "A",
        "correct": position % 2 == 0,
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


def study_make(slug: str, *, researcher: AbstractBaseUser | None = None, n_people: int = 2) -> Made:
    """A study with its own bank of 6 items and ``n_people`` completed participants x 3 trials."""
    study = Study.objects.create(slug=slug, title=f"Study {slug}", bank=f"bank-{slug}")
    researcher = researcher or user_make(f"researcher-{slug}")
    study.researchers.add(researcher)
    made = Made(study=study, researcher=researcher, items=items_make(bank=study.bank))
    scorer, _ = Scorer.objects.get_or_create(
        name="factory-model", defaults={"is_published": True, "display_name": "Factory model"}
    )
    for n, item in enumerate(made.items):
        ItemScore.objects.create(
            scorer=scorer,
            item=item,
            ppl_original=10.0 + n,
            ppl_altered=12.5,
            correct=n < 2,
            confidence=abs(2.5 - n),
        )
    for n in range(n_people):
        participant, token = participant_make(study, n, recruitment_id=f"{slug}-p{n}")
        made.participants.append(participant)
        made.tokens[participant.pk] = token
        for position in (1, 2, 3):
            item = made.items[(n + position) % len(made.items)]
            made.trials.append(trial_make(participant, item, position))
    return made
