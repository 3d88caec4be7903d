"""Item bank services: diff of the two versions, import of test-case CSV files."""

from __future__ import annotations

from braintrial.items.services.diff import Passage, differences_compute
from braintrial.items.services.importing import (
    ImportReport,
    items_import_content,
    items_import_csv,
)
from braintrial.items.services.parsing import ItemImportError
from braintrial.items.services.preview import ItemPreview, items_preview_content

__all__ = [
    "ImportReport",
    "ItemImportError",
    "ItemPreview",
    "Passage",
    "differences_compute",
    "items_import_content",
    "items_import_csv",
    "items_preview_content",
]
