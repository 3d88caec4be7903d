"""Reads of the item bank. Who may read or fill a bank is decided in ``studies.banks``: a
researcher reads a bank through the studies they share with its owners."""

from __future__ import annotations

from django.db.models import QuerySet

from braintrial.items.models import Item


def item_list(
    *, bank: str | None = None, kind: str | None = None, source: str | None = None
) -> QuerySet[Item]:
    """Items in file order, optionally narrowed to a bank, kind and source."""
    items = Item.objects.all()
    if bank is not None:
        items = items.filter(bank=bank)
    if kind is not None:
        items = items.filter(kind=kind)
    if source is not None:
        items = items.filter(source=source)
    return items.order_by("bank", "source", "source_file", "row")


def item_test_cases(*, bank: str) -> QuerySet[Item]:
    """The items of a bank that count in analyses: practice and catch items left out."""
    return item_list(bank=bank, kind=Item.Kind.TEST)
