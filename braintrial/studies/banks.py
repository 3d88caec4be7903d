"""Who may read an item bank, draw a study from it, or import into it: the one gatekeeper.

It sits here, above the item bank, because a researcher reads a bank through the studies they
share with its owners; the item bank itself knows nothing of studies.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Count, F, Q, QuerySet

from braintrial.items.models import Item, ItemBank
from braintrial.studies.models import Study
from braintrial.studies.selectors import READ_ALL, study_editable

# Filling a bank is for its owners; holders of this admin permission may change the owners
# anyway, so they may import too. The staff flag alone grants neither.
BANK_CHANGE_PERMISSION = "items.change_itembank"


def banks_for_user(*, user: User | AbstractBaseUser | AnonymousUser) -> QuerySet[ItemBank]:
    """Banks whose items the user may read: the public ones, their own, those of studies their
    owners share with the user, and every bank with the permission to read every study (which
    reads every study's items anyway)."""
    public = ItemBank.objects.filter(is_public=True)
    if not isinstance(user, User) or not user.is_active:
        return public
    if user.has_perm(READ_ALL):
        return ItemBank.objects.all()
    # A co-researcher reads the bank of a study that its owner invited them to: one of the
    # study's researchers owns the bank. A study someone else put on the bank grants nothing.
    invited = (
        Study.objects.filter(researchers=user)
        .filter(researchers__item_banks__name=F("bank"))
        .values("bank")
    )
    return ItemBank.objects.filter(
        Q(is_public=True) | Q(pk__in=user.item_banks.values("pk")) | Q(name__in=invited)
    )


def bank_readable(*, user: User | AbstractBaseUser | AnonymousUser, name: str) -> bool:
    """Whether the user may read the bank named ``name`` (see banks_for_user)."""
    return banks_for_user(user=user).filter(name=name).exists()


def bank_usable_for_study(*, user: User | AbstractBaseUser | AnonymousUser, name: str) -> bool:
    """Whether a study of ``user`` may draw from ``name``: a bank they may read, or a new name
    (which becomes theirs: studies.services.item_bank_claim)."""
    return bank_readable(user=user, name=name) or not ItemBank.objects.filter(name=name).exists()


def bank_importable(
    *,
    user: User | AbstractBaseUser | AnonymousUser,
    name: str,
    study: Study | None = None,
) -> bool:
    """Whether ``user`` may import into the bank ``name``: its owners (and BANK_CHANGE_PERMISSION).
    Other teams' studies on the bank do not matter: it is not theirs.

    The one rule for every way in: the dashboard's items page and the API import into a
    ``study``'s bank, and then the user must also be allowed to change that study (its
    researcher with the change permission); the admin adds items to a bank directly.
    """
    if not isinstance(user, User) or not user.is_active:
        return False
    if study is not None and (study.bank != name or not study_editable(user=user, study=study)):
        return False
    if user.has_perm(BANK_CHANGE_PERMISSION):
        return True
    return ItemBank.objects.filter(name=name, owners=user).exists()


def item_banks_summary(*, user: User | AbstractBaseUser | AnonymousUser) -> list[dict[str, object]]:
    """One row per bank the user may read: its name and how many test, practice, catch and
    defective items. Other teams' banks are left out: a study could not use them."""
    rows = (
        Item.objects.filter(bank__in=banks_for_user(user=user).values("name"))
        .values("bank")
        .annotate(
            test=Count("id", filter=Q(kind=Item.Kind.TEST)),
            practice=Count("id", filter=Q(kind=Item.Kind.PRACTICE)),
            catch=Count("id", filter=Q(kind=Item.Kind.CATCH)),
            defective=Count("id", filter=~Q(defect="")),
        )
        .order_by("bank")
    )
    return [dict(row) for row in rows]
