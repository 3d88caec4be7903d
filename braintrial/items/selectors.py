"""Reads of the item bank."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

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


def item_banks_summary() -> list[dict[str, object]]:
    """One row per bank: its name and how many test, practice, catch and defective items."""
    rows = (
        Item.objects.values("bank")
        .annotate(
            test=Count("id", filter=Q(kind=Item.Kind.TEST)),
            practice=Count("id", filter=Q(kind=Item.Kind.PRACTICE)),
            catch=Count("id", filter=Q(kind=Item.Kind.CATCH)),
            defective=Count("id", filter=~Q(defect="")),
        )
        .order_by("bank")
    )
    return [dict(row) for row in rows]
