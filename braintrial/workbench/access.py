"""Who may read and fill a bank's workbench: the one gatekeeper of its pages.

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


def workbench_bank_get(*, user: User | AbstractBaseUser | AnonymousUser, name: str) -> ItemBank:
    """The bank named ``name`` if ``user`` may work on its candidates.

    Http404 for a bank that does not exist or that the user may not read (the same answer, so
    the page does not tell which names exist); PermissionDenied for a bank they may read but
    not fill (a shared or public bank).
    """
    bank = ItemBank.objects.filter(name=name).first()
    if bank is not None and bank_importable(user=user, name=name):
        return bank
    if bank is None or not bank_readable(user=user, name=name):
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
