"""Item bank services: diff of the two versions, CSV and BrainBench import."""

from __future__ import annotations

from braintrial.items.services.brainbench import BRAINBENCH_BANK, brainbench_import
from braintrial.items.services.diff import Passage, differences_compute
from braintrial.items.services.importing import (
    ImportReport,
    items_import_content,
    items_import_csv,
)
from braintrial.items.services.parsing import ItemImportError

__all__ = [
    "BRAINBENCH_BANK",
    "ImportReport",
    "ItemImportError",
    "Passage",
    "brainbench_import",
    "differences_compute",
    "items_import_content",
    "items_import_csv",
]
