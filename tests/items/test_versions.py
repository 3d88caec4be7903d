"""Editing a test case makes a new version and keeps the old one; retiring keeps the history."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.db import IntegrityError, transaction

from braintrial.items.models import Item
from braintrial.items.selectors import item_version_labels, item_versions, items_servable
from braintrial.items.services.importing import items_import_content
from braintrial.items.services.versions import ItemVersionError, item_retire, item_version_create

pytestmark = pytest.mark.django_db

CSV = (
    "doi,journal_section,original_abstract,incorrect_abstract\n"
    "10.1/a,Ecology,Frogs sang louder at night.,Frogs sang softer at night.\n"
)


def _item() -> Item:
    items_import_content(content=CSV.encode(), name="eco.csv", bank="eco", source="human")
    return Item.objects.get(bank="eco")


def _last_entry_id() -> int:
    last = LogEntry.objects.order_by("-pk").first()
    return last.pk if last else 0


def test_an_edit_adds_version_2_and_retires_version_1_as_superseded() -> None:
    first = _item()
    baseline = _last_entry_id()
    second = item_version_create(
        item=first,
        original="Frogs sang louder at dusk.",
        altered="Frogs sang softer at dusk.",
        actor=None,
        note="typo",
    )
    first.refresh_from_db()
    assert (second.lineage, second.version, second.retired_at) == (first.lineage, 2, None)
    assert (first.retirement, first.original) == ("superseded", "Frogs sang louder at night.")
    assert (second.source_file, second.row, second.doi) == ("eco.csv", 1, "10.1/a")
    assert second.differences == [{"original": "louder", "altered": "softer"}]
    assert list(items_servable(bank="eco", skip_flagged=True).filter(bank="eco")) == [second]
    assert [i.version for i in item_versions(lineage=first.lineage)] == [1, 2]
    assert item_version_labels(ids=[first.pk, second.pk]) == {
        first.pk: "v1 (superseded)",
        second.pk: "v2",
    }
    (entry,) = LogEntry.objects.filter(pk__gt=baseline, additional_data__event="items.version")
    details = entry.additional_data["details"]
    assert details["from"] == {"item": first.pk, "version": 1}
    assert details["to"] == {"item": second.pk, "version": 2}
    assert details["note"] == "typo"


@pytest.mark.parametrize(
    ("original", "altered", "message"),
    [
        ("  ", "Frogs sang.", "The published version is empty"),
        ("Frogs sang.", "Frogs  sang.", "are identical"),
        ("Frogs\x00 sang.", "Frogs wept.", "NUL"),
        ("word " * 2001, "Frogs wept.", "at most 2,000"),
    ],
)
def test_bad_versions_are_refused_and_nothing_is_stored(
    original: str, altered: str, message: str
) -> None:
    first = _item()
    with pytest.raises(ItemVersionError, match=message):
        item_version_create(item=first, original=original, altered=altered, actor=None)
    assert list(Item.objects.filter(bank="eco")) == [first]
    first.refresh_from_db()
    assert first.retired_at is None


def test_a_superseded_or_retired_version_cannot_be_edited_again() -> None:
    first = _item()
    item_version_create(item=first, original="A rose.", altered="A fell.", actor=None)
    with pytest.raises(ItemVersionError, match="version 2 is the newest"):
        item_version_create(item=first, original="B rose.", altered="B fell.", actor=None)
    current = Item.objects.get(bank="eco", retired_at__isnull=True)
    retired = item_retire(item=current, actor=None, note="giveaway")
    assert retired.retirement == "retired"
    assert not items_servable(bank="eco", skip_flagged=False).filter(bank="eco").exists()
    with pytest.raises(ItemVersionError, match="was retired"):
        item_retire(item=current, actor=None)
    assert Item.objects.filter(bank="eco").count() == 2  # the history stays


def test_the_database_refuses_two_current_versions_or_a_repeated_number() -> None:
    first = _item()
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.create(
            bank="eco", source_file="eco.csv", row=1, version=2, lineage=first.lineage,
            original="x", altered="y",
        )  # fmt: skip
    first.retired_at, first.retirement = first.updated_at, "superseded"
    first.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.create(
            bank="eco", source_file="other.csv", row=1, version=1, lineage=first.lineage,
            original="x", altered="y",
        )  # fmt: skip
