"""Versions of a test case: an edit adds a version and retires the one it replaces, never
overwriting a row that a trial or a model score may point to; retiring keeps the history.

Every version is one Item row. Versions of one test case share ``lineage`` and count up in
``version``; the newest one not retired is current and is the only one a study serves
(``items.selectors.items_servable``). The database keeps one current version per lineage
(``item_one_current_version``), so two edits at once cannot both win.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from braintrial.audit.services import Actor, audit_event_record
from braintrial.items.models import Item, ItemBank
from braintrial.items.services.diff import differences_compute
from braintrial.items.services.parsing import versions_problem

MAX_NOTE_CHARACTERS = 2000


class ItemVersionError(Exception):
    """An edit or a retirement that cannot be made; nothing was stored."""


def version_next(*, item: Item, values: dict[str, Any]) -> Item:
    """The unsaved next version of ``item``: its lineage, place in its file and kind, with
    ``values`` (the imported fields) over the copied ones."""
    fields = {
        "bank": item.bank,
        "source_file": item.source_file,
        "row": item.row,
        "kind": item.kind,
        "source": item.source,
        "abstract_id": item.abstract_id,
        "doi": item.doi,
        "journal_section": item.journal_section,
        "defect": "",
        "combined": "",
    }
    return Item(**(fields | values), lineage=item.lineage, version=item.version + 1)


def _current_locked(*, item: Item) -> Item:
    """``item`` locked, or ItemVersionError where it is no longer the current version."""
    locked = Item.objects.select_for_update().get(pk=item.pk)
    if locked.retired_at is not None:
        newest = Item.objects.filter(lineage=locked.lineage).order_by("-version").first()
        what = "was retired" if locked.retirement == Item.Retirement.RETIRED else "was replaced"
        raise ItemVersionError(
            f"Version {locked.version} of this test case {what}"
            + (f"; version {newest.version} is the newest." if newest else ".")
        )
    return locked


def _note_check(note: str) -> str:
    note = note.strip()
    if "\x00" in note:
        raise ItemVersionError("The note contains a NUL character.")
    if len(note) > MAX_NOTE_CHARACTERS:
        raise ItemVersionError(f"The note has more than {MAX_NOTE_CHARACTERS:,} characters.")
    return note


def item_version_create(
    *, item: Item, original: str, altered: str, actor: Actor, note: str = ""
) -> Item:
    """Make a new version of the current version ``item`` with these two texts, validated as
    the import validates a row; ``item`` is retired as superseded. The caller has checked that
    ``actor`` may fill the bank (studies.banks.bank_importable). Raises ItemVersionError."""
    problem = versions_problem(
        original=original, altered=altered, names=("The published version", "The altered version")
    )
    if problem:
        raise ItemVersionError(problem + ".")
    note = _note_check(note)
    try:
        with transaction.atomic():
            old = _current_locked(item=item)
            if (old.original, old.altered) == (original, altered):
                raise ItemVersionError("Nothing changed: both versions are as they were.")
            now = timezone.now()
            old.retired_at, old.retirement = now, Item.Retirement.SUPERSEDED
            old.save(update_fields=["retired_at", "retirement", "updated_at"])
            new = version_next(
                item=old,
                values={
                    "original": original,
                    "altered": altered,
                    "differences": differences_compute(original=original, altered=altered),
                },
            )
            new.save()
            audit_event_record(
                event="items.version",
                instance=ItemBank.objects.get(name=old.bank),
                actor=actor,
                details={
                    "bank": old.bank,
                    "lineage": str(old.lineage),
                    "from": {"item": old.pk, "version": old.version},
                    "to": {"item": new.pk, "version": new.version},
                    "changed": {
                        name: [getattr(old, name), getattr(new, name)]
                        for name in ("original", "altered")
                        if getattr(old, name) != getattr(new, name)
                    },
                    "note": note,
                },
            )
            return new
    except IntegrityError as exc:  # another edit of the same version won the race
        raise ItemVersionError(
            "Someone else changed this test case at the same moment; reload the page."
        ) from exc


def item_retire(*, item: Item, actor: Actor, note: str = "") -> Item:
    """Stop serving the current version ``item``; it and its trials stay. The caller has
    checked that ``actor`` may fill the bank. Raises ItemVersionError."""
    note = _note_check(note)
    with transaction.atomic():
        old = _current_locked(item=item)
        old.retired_at, old.retirement = timezone.now(), Item.Retirement.RETIRED
        old.save(update_fields=["retired_at", "retirement", "updated_at"])
        audit_event_record(
            event="items.retire",
            instance=ItemBank.objects.get(name=old.bank),
            actor=actor,
            details={
                "bank": old.bank,
                "lineage": str(old.lineage),
                "item": old.pk,
                "version": old.version,
                "note": note,
            },
        )
        return old
