"""Writes of item banks. A study's claim on a bank name is ``studies.services.item_bank_claim``."""

from __future__ import annotations

from braintrial.items.models import ItemBank


def item_bank_ensure(*, name: str, is_public: bool = False) -> ItemBank:
    """The bank row for ``name``, made public when asked (never made private here): importers
    call it so that no items exist under a name nobody owns a row of."""
    bank, _ = ItemBank.objects.get_or_create(name=name, defaults={"is_public": is_public})
    if is_public and not bank.is_public:
        bank.is_public = True
        bank.save(update_fields=["is_public"])
    return bank
