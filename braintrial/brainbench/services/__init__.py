"""Importers of the published data, one module per file of it; each returns a report."""

from __future__ import annotations

from braintrial.brainbench.services.items import PublishedItemsReport, published_items_import
from braintrial.brainbench.services.scores import PublishedScoresReport, published_scores_import
from braintrial.brainbench.services.trials import TrialsReport, published_trials_import

__all__ = [
    "PublishedItemsReport",
    "PublishedScoresReport",
    "TrialsReport",
    "published_items_import",
    "published_scores_import",
    "published_trials_import",
]
