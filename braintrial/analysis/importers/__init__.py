"""Importers of published data into studies (the paper's human trials)."""

from __future__ import annotations

from .parsing import TrialImportError, abstract_dois_parse, published_trials_parse
from .published import STUDY_SLUG, STUDY_TITLE, TrialImportReport, published_trials_import

__all__ = [
    "STUDY_SLUG",
    "STUDY_TITLE",
    "TrialImportError",
    "TrialImportReport",
    "abstract_dois_parse",
    "published_trials_import",
    "published_trials_parse",
]
