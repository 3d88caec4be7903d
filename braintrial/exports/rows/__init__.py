"""The four export files, by name."""

from __future__ import annotations

from braintrial.exports.rows.bank import ITEMS, SCORES
from braintrial.exports.rows.base import Column, ExportKind
from braintrial.exports.rows.participants import PARTICIPANTS
from braintrial.exports.rows.trials import TRIALS

EXPORT_KINDS: dict[str, ExportKind] = {
    kind.name: kind for kind in (TRIALS, PARTICIPANTS, ITEMS, SCORES)
}

__all__ = ["EXPORT_KINDS", "Column", "ExportKind"]
