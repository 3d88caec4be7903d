"""Writes of item banks: who owns a bank name."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from braintrial.items.models import ItemBank
from braintrial.items.selectors import bank_readable


def item_bank_claim(*, user: User, name: str) -> ItemBank:
    """The bank ``name`` for a study ``user`` creates or changes: a new name becomes a bank
    owned by them; an existing bank must be one they may read.

    Raises ValidationError on the ``bank`` field otherwise. The unique name makes two concurrent
    claims of a new name end with one owner.
    """
    bank, created = ItemBank.objects.get_or_create(name=name)
    if created:
        bank.owners.add(user)
    elif not bank_readable(user=user, name=name):
        raise ValidationError(
            {"bank": f"The item bank {name!r} belongs to another team; choose another name."}
        )
    return bank


def item_bank_ensure(*, name: str, is_public: bool = False) -> ItemBank:
    """The bank row for ``name``, made public when asked (never made private here): importers
    call it so that no items exist under a name nobody owns a row of."""
    bank, _ = ItemBank.objects.get_or_create(name=name, defaults={"is_public": is_public})
    if is_public and not bank.is_public:
        bank.is_public = True
        bank.save(update_fields=["is_public"])
    return bank
