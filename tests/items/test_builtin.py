"""The project's own practice and catch items exist after migrate and stay out of analyses."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from braintrial.items.builtin import BUILTIN_BANK, BUILTIN_SOURCE_FILE, builtin_items_ensure
from braintrial.items.models import Item

pytestmark = pytest.mark.django_db


def test_builtin_items_exist_after_migrate() -> None:
    items = list(Item.objects.filter(bank=BUILTIN_BANK).order_by("row"))
    assert [(i.row, i.kind, i.source, i.source_file) for i in items] == [
        (1, "practice", "human", BUILTIN_SOURCE_FILE),
        (2, "catch", "human", BUILTIN_SOURCE_FILE),
        (3, "catch", "human", BUILTIN_SOURCE_FILE),
    ]
    assert all(i.differences for i in items)


def test_builtin_items_ensure_again_creates_nothing() -> None:
    before = Item.objects.count()
    assert builtin_items_ensure(item_model=Item) == 0
    assert Item.objects.count() == before


def test_catch_items_altered_version_holds_impossible_numbers() -> None:
    altered = " ".join(
        Item.objects.filter(bank=BUILTIN_BANK, kind="catch").values_list("altered", flat=True)
    )
    assert "283%" in altered
    assert "140%" in altered


@pytest.mark.django_db(transaction=True)
def test_builtin_items_are_back_after_a_flush() -> None:
    # Transactional tests empty every table afterwards, as `manage.py flush` does; the items
    # must still be there for whatever runs next.
    call_command("flush", interactive=False, verbosity=0)
    assert Item.objects.filter(bank=BUILTIN_BANK).count() == 3
