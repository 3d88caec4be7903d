"""An analysis that cannot be computed on the data at hand says so; the others are still shown.

Small and odd studies are the rule while a study runs (a pilot of three people, one item source,
every slider left at the same value, a team fit on answers that are all right): a fit that does
not converge or a matrix without an inverse must cost its own figure, never the whole report.
Each guarded analysis leaves a status in the report (``analyses``: name -> ok, reason) that the
dashboard, the API and ``manage.py report`` show in words.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from .types import AnalysisStatus

logger = logging.getLogger(__name__)
T = TypeVar("T")

# What numeric code raises on data it cannot handle. Anything else is a bug and propagates.
NUMERIC_FAILURES: tuple[type[BaseException], ...] = (
    ArithmeticError,  # a fit that did not converge; ZeroDivisionError, FloatingPointError
    np.linalg.LinAlgError,  # a singular matrix: a constant column, too few distinct answers
    ValueError,  # too few rows, an empty array, NaN where a number is needed
    IndexError,
)


def reason_words(exc: BaseException) -> str:
    """Why an analysis could not be computed, as a researcher reads it."""
    if isinstance(exc, np.linalg.LinAlgError):
        return (
            "Cannot be computed on these data: the fit has no unique solution (usually a "
            "column that does not vary, such as every slider at the same value, or too few "
            "participants)."
        )
    if isinstance(exc, ArithmeticError) and "converge" in str(exc):
        return (
            "Cannot be computed on these data: the model fit did not converge (usually too "
            "few participants, or answers that are all right or all wrong)."
        )
    return f"Cannot be computed on these data ({str(exc)[:200] or type(exc).__name__})."


def analysis_guarded(
    name: str,
    compute: Callable[[], T],
    fallback: Callable[[], T],
    statuses: dict[str, AnalysisStatus],
) -> T:
    """``compute()``; where it fails on the data, ``fallback()`` (the analysis as it looks with
    no data) and the reason under ``statuses[name]``."""
    try:
        value = compute()
    except NUMERIC_FAILURES as exc:
        logger.info("Analysis %s not computed: %r", name, exc)
        statuses[name] = {"ok": False, "reason": reason_words(exc)}
        return fallback()
    statuses.setdefault(name, {"ok": True, "reason": ""})
    return value
