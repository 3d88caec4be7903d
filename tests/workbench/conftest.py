"""Two labs and their banks, a co-researcher, and items already in banks (real Postgres)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from braintrial.items.models import ItemBank
from braintrial.studies.models import Study
from braintrial.workbench.models import BankRole, Candidate
from tests.factories import item_make, user_make

FIXTURES = Path(__file__).parent / "fixtures"
TEN_XML = FIXTURES / "ten_articles.xml"
THREE_CSV = FIXTURES / "three_candidates.csv"
PASSWORD = "a-long-test-password-31"


@dataclass
class Labs:
    owner: User
    co_researcher: User  # reads lab-a through a shared study, does not own it
    other: User  # owns lab-b only
    bank: ItemBank  # lab-a
    other_bank: ItemBank  # lab-b


@pytest.fixture
def labs(db) -> Labs:
    owner = user_make("olga", password=PASSWORD)
    co = user_make("cora")
    other = user_make("otto")
    bank = ItemBank.objects.create(name="lab-a")
    bank.owners.add(owner)
    other_bank = ItemBank.objects.create(name="lab-b")
    other_bank.owners.add(other)
    study = Study.objects.create(slug="lab-a-study", title="Lab A study", bank="lab-a")
    study.researchers.add(owner, co)
    # Papers already in banks: article 3 of ten_articles.xml in the public published bank
    # (written as its file wrote it), article 5 in the other lab's private bank.
    ItemBank.objects.create(name="published", is_public=True)
    item_make(bank="published", doi="https://doi.org/10.5555/BT.Sources.003")
    item_make(bank="lab-b", doi="10.5555/bt.sources.005")
    return Labs(owner, co, other, bank, other_bank)  # type: ignore[arg-type]


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def bank_changer(username: str) -> User:
    """An operator with the admin permission to change every bank's owners."""
    user = user_make(username)
    user.user_permissions.add(Permission.objects.get(codename="change_itembank"))  # type: ignore[attr-defined]
    return user  # type: ignore[return-value]


ABSTRACT = (
    "BACKGROUND: We asked how entorhinal grid fields behave without visual input. "
    "RESULTS: Fields drifted by a small amount in darkness (n = 12 animals), and the drift "
    "grew with time since the lights went out."
)
PASSAGE = "Fields drifted by a small amount in darkness"
ALTERED_PASSAGE = "Fields stayed stable in darkness, without drift"


def passage_range(abstract: str = ABSTRACT, passage: str = PASSAGE) -> tuple[int, int]:
    start = abstract.index(passage)
    return start, start + len(passage)


def altered_text(abstract: str = ABSTRACT) -> str:
    return abstract.replace(PASSAGE, ALTERED_PASSAGE)


@dataclass
class Authoring:
    owner: User  # owns lab-a, holds no role
    author: User
    reviewer: User
    both: User  # author and reviewer
    outsider: User  # no role, does not own the bank
    bank: ItemBank
    candidate: Candidate


@pytest.fixture
def authoring(db) -> Authoring:
    owner = user_make("olga", password=PASSWORD)
    author = user_make("ada", password=PASSWORD)
    reviewer = user_make("rex", password=PASSWORD)
    both = user_make("bea")
    outsider = user_make("otto")
    bank = ItemBank.objects.create(name="lab-a")
    bank.owners.add(owner)
    for user, role in ((author, "author"), (reviewer, "reviewer"), (both, "author"),
                       (both, "reviewer")):  # fmt: skip
        BankRole.objects.create(bank=bank, user=user, role=role, granted_by=owner)
    candidate = Candidate.objects.create(
        bank=bank,
        title="Grid cell drift in darkness",
        abstract=ABSTRACT,
        doi="10.5555/bt.authoring.001",
        journal="Journal of Invented Neuroscience",
        published_from=dt.date(2025, 6, 1),
        published_until=dt.date(2025, 6, 30),
        published_precision="month",
        section="Systems/Circuits",
        origin="pasted",
        row=1,
        imported_by=owner,
    )
    return Authoring(owner, author, reviewer, both, outsider, bank, candidate)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random GPT-2 (tests/scoring/tinymodel.py), built once for the drafting tests."""
    from tests.scoring.tinymodel import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-drafter"))
