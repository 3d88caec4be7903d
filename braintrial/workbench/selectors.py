"""Reads of the workbench: a bank's candidates, and which banks already hold their papers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, F, Func, Q, QuerySet, Value
from django.db.models.functions import Lower, Replace, Trim

from braintrial.brainbench.dois import DOI_PREFIXES
from braintrial.items.models import Item
from braintrial.studies.banks import banks_for_user
from braintrial.workbench.models import BankRole, Candidate, Draft

User = AbstractBaseUser | AnonymousUser


def _item_doi_key() -> Func:
    """``Item.doi`` normalised in SQL as ``doi_normalise`` does in Python (items keep the DOI
    as their file wrote it). One path for Postgres and SQLite: nested REPLACE, not a regex."""
    key: Func = Lower(Trim(F("doi")))
    for prefix in DOI_PREFIXES:
        key = Replace(key, Value(prefix), Value(""))
    return key


def dois_in_banks(*, dois: Iterable[str]) -> dict[str, list[str]]:
    """Normalised DOI -> the banks (any bank, sorted) that hold an item of that paper."""
    wanted = set(dois)
    if not wanted:
        return {}
    found: dict[str, set[str]] = {}
    rows = (
        Item.objects.exclude(doi="")
        .annotate(doi_key=_item_doi_key())
        .filter(doi_key__in=wanted)
        .values_list("doi_key", "bank")
        .distinct()
    )
    for doi, bank in rows:
        found.setdefault(doi, set()).add(bank)
    return {doi: sorted(banks) for doi, banks in found.items()}


def candidates_of_bank(*, bank_id: int) -> QuerySet[Candidate]:
    """A bank's candidates, the latest import first, each file in its own order."""
    return (
        Candidate.objects.filter(bank_id=bank_id)
        .select_related("imported_by")
        .order_by("-imported_at", "row", "pk")
    )


@dataclass(frozen=True)
class InBanks:
    """Where a paper already is an item: the banks the reader may read, by name, and how many
    other teams' banks (their names are theirs to tell)."""

    named: list[str]
    others: int

    def __bool__(self) -> bool:
        return bool(self.named or self.others)


def dois_in_banks_for(*, user: User, dois: Iterable[str]) -> dict[str, InBanks]:
    """``dois_in_banks`` as ``user`` may see it; DOIs in no bank are left out."""
    found = dois_in_banks(dois=dois)
    if not found:
        return {}
    readable = set(banks_for_user(user=user).values_list("name", flat=True))
    return {
        doi: InBanks(
            named=[b for b in banks if b in readable],
            others=sum(1 for b in banks if b not in readable),
        )
        for doi, banks in found.items()
    }


@dataclass(frozen=True)
class CandidateListed:
    candidate: Candidate
    in_banks: InBanks  # false when no bank holds an item of the same paper


def candidate_list(*, user: User, bank_id: int) -> list[CandidateListed]:
    """The bank's candidates, each with the banks whose items already report its paper.

    Computed when read, so a candidate is flagged by items imported after it too."""
    candidates = list(candidates_of_bank(bank_id=bank_id))
    banks = dois_in_banks_for(user=user, dois=(c.doi for c in candidates))
    nowhere = InBanks(named=[], others=0)
    return [CandidateListed(candidate=c, in_banks=banks.get(c.doi, nowhere)) for c in candidates]


# --- authoring and review ------------------------------------------------------------------------


def drafts_of_bank(*, bank_id: int) -> QuerySet[Draft]:
    """A bank's drafts, the latest decision first (read only through ``access.drafts_bank_get``)."""
    return (
        Draft.objects.filter(candidate__bank_id=bank_id)
        .select_related("candidate", "author", "reviewer", "drafted_with")
        .order_by("-updated_at", "-pk")
    )


def candidates_for_authoring(*, bank_id: int) -> QuerySet[Candidate]:
    """A bank's candidates with how many drafts each has and whether one is accepted."""
    return candidates_of_bank(bank_id=bank_id).annotate(
        n_drafts=Count("drafts"),
        n_accepted=Count("drafts", filter=Q(drafts__status=Draft.Status.ACCEPTED)),
    )


def roles_of_bank(*, bank_id: int) -> QuerySet[BankRole]:
    """The roles granted on a bank (for its owners' page), by role then account."""
    return (
        BankRole.objects.filter(bank_id=bank_id)
        .select_related("user", "granted_by")
        .order_by("role", "user__username")
    )
