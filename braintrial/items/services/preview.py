"""Checking a test-case file without storing it: what an upload page shows before the import."""

from __future__ import annotations

from dataclasses import dataclass, field

from braintrial.items.models import Item
from braintrial.items.services.diff import Passage, differences_compute
from braintrial.items.services.parsing import ItemImportError, rows_check


@dataclass(frozen=True)
class PreviewRow:
    row: int
    doi: str
    journal_section: str
    original: str
    altered: str
    differences: list[Passage]
    defect: str


@dataclass(frozen=True)
class ItemPreview:
    """A checked file: every valid row with its differences, and every problem by row."""

    name: str
    source: str
    rows: list[PreviewRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def importable(self) -> bool:
        return bool(self.rows) and not self.errors


def items_preview_content(*, content: bytes | str, name: str, source: str) -> ItemPreview:
    """Check a test-case file as ``items_import_content`` would, with the same parser, but
    report every faulty row instead of stopping at the first, and store nothing."""
    if source not in Item.Source.values:
        return ItemPreview(
            name=name, source=source, errors=["Pick who wrote the altered versions."]
        )
    parsed, errors = rows_check(content=content, name=name)
    rows = [
        PreviewRow(
            row=item.row,
            doi=item.doi,
            journal_section=item.journal_section,
            original=item.original,
            altered=item.altered,
            differences=differences_compute(original=item.original, altered=item.altered),
            defect=item.defect,
        )
        for item in parsed
    ]
    return ItemPreview(name=name, source=source, rows=rows, errors=[str(e) for e in errors])


__all__ = ["ItemImportError", "ItemPreview", "PreviewRow", "items_preview_content"]
