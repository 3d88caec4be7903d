"""Reads of the item bank."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from braintrial.items.models import Item
from braintrial.participants.models import Trial
from braintrial.studies.models import Study
from braintrial.studies.selectors import studies_for_researcher


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


def items_of_studies_q(*, studies: QuerySet[Study]) -> Q:
    """Items of the studies' banks, and the built-in practice and catch items they showed."""
    shown = Trial.objects.filter(participant__study__in=studies).values("item_id")
    return Q(bank__in=studies.values("bank")) | Q(id__in=shown)


def items_for_studies(*, studies: QuerySet[Study], since: datetime | None = None) -> QuerySet[Item]:
    """The studies' items (see items_of_studies_q) by id; ``since`` compares with updated_at."""
    items = Item.objects.filter(items_of_studies_q(studies=studies)).order_by("id")
    return items.filter(updated_at__gte=since) if since else items


def item_get_for_researcher(*, user: AbstractBaseUser | AnonymousUser, item_id: int) -> Item:
    """One item of a study the user may read; Http404 otherwise."""
    try:
        return items_for_studies(studies=studies_for_researcher(user=user)).get(pk=item_id)
    except Item.DoesNotExist as exc:
        raise Http404("No such item.") from exc
