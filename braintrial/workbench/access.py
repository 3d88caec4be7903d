"""Who may read and fill a bank's workbench: the one gatekeeper of its pages.

Two kinds of access, one function each: the candidates (``workbench_bank_get``: the bank's
owners) and the drafts (``drafts_bank_get``, ``draft_get``: the authors and reviewers the
owners named, ``BankRole``).

The workbench holds a lab's drafts, so it is narrower than reading a bank: only those who may
import into the bank (its owners, and holders of the bank change permission:
``studies.banks.bank_importable``). A co-researcher who reads the bank through a shared study
does not see what its owners are preparing.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from braintrial.items.models import ItemBank
from braintrial.studies.banks import BANK_CHANGE_PERMISSION, bank_importable, bank_readable
from braintrial.workbench.models import BankRole, Candidate, Draft, Role


def workbench_bank_get(*, user: User | AbstractBaseUser | AnonymousUser, name: str) -> ItemBank:
    """The bank named ``name`` if ``user`` may work on its candidates.

    Http404 for a bank that does not exist or that the user may not read (the same answer, so
    the page does not tell which names exist); PermissionDenied for a bank they may read but
    not fill (a shared or public bank).
    """
    bank = ItemBank.objects.filter(name=name).first()
    if bank is not None and bank_importable(user=user, name=name):
        return bank
    # An author or reviewer of the bank knows it exists: told why, not that it is missing.
    if bank is None or not (bank_readable(user=user, name=name) or roles_of(user=user, bank=bank)):
        raise Http404("No such item bank.")
    raise PermissionDenied("Only the owners of this item bank may work on its candidates.")


def workbench_banks_for_user(
    *, user: User | AbstractBaseUser | AnonymousUser
) -> QuerySet[ItemBank]:
    """The banks whose workbench ``user`` may open (see ``workbench_bank_get``)."""
    if not isinstance(user, User) or not user.is_active:
        return ItemBank.objects.none()
    if user.has_perm(BANK_CHANGE_PERMISSION):
        return ItemBank.objects.order_by("name")
    return ItemBank.objects.filter(owners=user).order_by("name")


# --- drafts: the bank's authors and reviewers ----------------------------------------------------


def roles_of(*, user: User | AbstractBaseUser | AnonymousUser, bank: ItemBank) -> set[str]:
    """The workbench roles (``Role`` values) ``user`` holds on ``bank``; none for anyone
    logged out or inactive. Owning the bank grants none: an owner grants roles, themselves
    included."""
    if not isinstance(user, User) or not user.is_active:
        return set()
    return set(BankRole.objects.filter(bank=bank, user=user).values_list("role", flat=True))


def drafts_bank_get(
    *, user: User | AbstractBaseUser | AnonymousUser, name: str, role: str | None = None
) -> ItemBank:
    """The bank named ``name`` if ``user`` holds ``role`` on it (any role when None): the one
    way to a bank's drafts.

    Http404 for a bank that does not exist, or that the user neither reads nor holds a role on
    (the page does not tell which names exist); PermissionDenied, saying which role is needed,
    otherwise.
    """
    bank = ItemBank.objects.filter(name=name).first()
    held = roles_of(user=user, bank=bank) if bank is not None else set()
    if bank is not None and (held if role is None else role in held):
        return bank
    if bank is None or not (held or bank_readable(user=user, name=name)):
        raise Http404("No such item bank.")
    needed = {None: "an author or a reviewer", "author": "an author"}.get(role, "a reviewer")
    raise PermissionDenied(
        f"Only {needed} of this bank may do this; the bank's owners grant the roles."
    )


def draft_get(
    *, user: User | AbstractBaseUser | AnonymousUser, name: str, pk: int, role: str | None = None
) -> Draft:
    """The draft ``pk`` of the bank ``name``, through ``drafts_bank_get``; Http404 when the
    bank holds no such draft."""
    bank = drafts_bank_get(user=user, name=name, role=role)
    draft = (
        Draft.objects.select_related("candidate", "author", "reviewer", "drafted_with", "item")
        .filter(pk=pk, candidate__bank=bank)
        .first()
    )
    if draft is None:
        raise Http404("No such draft.")
    return draft


def drafts_banks_for_user(*, user: User | AbstractBaseUser | AnonymousUser) -> QuerySet[ItemBank]:
    """The banks on which ``user`` holds a workbench role."""
    if not isinstance(user, User) or not user.is_active:
        return ItemBank.objects.none()
    return ItemBank.objects.filter(workbench_roles__user=user).distinct().order_by("name")


def authoring_candidate_get(
    *, user: User | AbstractBaseUser | AnonymousUser, name: str, pk: int
) -> Candidate:
    """The candidate ``pk`` of the bank ``name`` for one of its authors to write from (an
    author reads a candidate's abstract without owning the bank); Http404 when the bank holds
    no such candidate."""
    bank = drafts_bank_get(user=user, name=name, role=Role.AUTHOR)
    candidate = Candidate.objects.select_related("bank").filter(pk=pk, bank=bank).first()
    if candidate is None:
        raise Http404("No such candidate.")
    return candidate
