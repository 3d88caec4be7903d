"""Accuracy by publication date against each model's training-data cut-off (pure numpy).

An item published after a model's training data end cannot have been read by it; one published
before may have been. A model that does much better on the items before its cut-off than after
may be recalling the papers rather than predicting their results.

Both dates are ranges of days (items.dates, scoring.cutoffs): the published items carry only the
year of their DOI, and a cut-off is often a month. An item is *after* a cut-off only if every day
it may mean is after every day the cut-off may mean, *before* only if every day is before; an
item whose range overlaps the cut-off's is neither and is counted apart. The months between
them, for the figure, run from the middle of the cut-off's range to the middle of the item's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from scoring.cutoffs import NO_CUTOFF, Cutoff

from .data import Scores
from .science.mixed import bootstrap_items
from .stats import accuracy_counts_many
from .types import CutoffInfo, CutoffReport, ModelCutoff, MonthsBin

# Width of the figure's bins, in months: half a year holds enough items per bin on a bank of a
# few hundred papers while still telling "just after" from "a year after".
BIN_MONTHS = 6
DAYS_PER_MONTH = 365.25 / 12
# Pairs below which a bin is drawn without an interval (its bootstrap says little).
MIN_BIN_ITEMS = 2


@dataclass(frozen=True)
class ItemDates:
    """Each item's publication date as day ordinals (``date.toordinal()``), -1 where unknown;
    indexed like ``analysis.data.Items``."""

    first: np.ndarray
    last: np.ndarray
    precision: list[str]
    source: list[str]

    @property
    def dated(self) -> np.ndarray:
        return self.first >= 0


def _source_kind(source: str) -> str:
    """A date's source without its item-specific detail: "the year the Journal of Neuroscience
    DOI names (10.1523/...)" counts as "the year the Journal of Neuroscience DOI names"."""
    return source.split(" (", 1)[0].strip()


def _info(cutoff: Cutoff) -> CutoffInfo:
    return {
        "first": cutoff.first.isoformat(),
        "last": cutoff.last.isoformat(),
        "source": cutoff.source,
        "stated": cutoff.stated,
    }


def _split(
    dates: ItemDates, scope: np.ndarray, cutoff: Cutoff
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bool per item index: after the cut-off, before it, overlapping it (all in scope)."""
    dated = scope & dates.dated
    after = dated & (dates.first > cutoff.last.toordinal())
    before = dated & (dates.last < cutoff.first.toordinal())
    return after, before, dated & ~after & ~before


def _counts(answers: np.ndarray, mask: np.ndarray) -> tuple[int, int]:
    """Right answers and scored items of one scorer's column on ``mask``."""
    chosen = answers[mask]
    scored = ~np.isnan(chosen)
    return int(np.round(chosen[scored].sum())), int(scored.sum())


def model_cutoffs(
    *, dates: ItemDates, scope: np.ndarray, scores: Scores, cutoffs: list[Cutoff | None]
) -> list[ModelCutoff]:
    """Each scorer that counts (``cutoffs`` aligned with ``scores.scorers``): its accuracy on
    the items in ``scope`` published after its cut-off and on those before, with n."""
    rows: list[ModelCutoff] = []
    n_undated = int((scope & ~dates.dated).sum())
    for j, scorer in enumerate(scores.scorers):
        cutoff = cutoffs[j]
        if cutoff is None:
            after = before = overlapping = np.zeros_like(scope)
        else:
            after, before, overlapping = _split(dates, scope, cutoff)
        answers = scores.correct[:, j]
        (k_after, n_after), (k_before, n_before) = (
            _counts(answers, after),
            _counts(answers, before),
        )
        overlapping &= ~np.isnan(answers)
        after_acc, before_acc = accuracy_counts_many(
            np.array([k_after, k_before]), np.array([n_after, n_before])
        )
        note = ""
        if cutoff is None:
            note = NO_CUTOFF
        elif n_after == 0:
            note = "no item published after its cut-off: nothing it cannot have read to compare"
        rows.append(
            {
                "name": scorer["name"],
                "display_name": scorer["display_name"],
                "cutoff": None if cutoff is None else _info(cutoff),
                "after": after_acc,
                "before": before_acc,
                "n_overlapping": int(overlapping.sum()),
                "n_undated": n_undated,
                "note": note,
            }
        )
    return rows


def _midpoint(first: np.ndarray | int, last: np.ndarray | int) -> np.ndarray:
    return (np.asarray(first, dtype=np.float64) + np.asarray(last, dtype=np.float64)) / 2


def months_bins(
    *, dates: ItemDates, scope: np.ndarray, scores: Scores, cutoffs: list[Cutoff | None]
) -> list[MonthsBin]:
    """Accuracy of every (scorer, item) pair with a cut-off, a date and a score, binned by the
    months from the cut-off to the publication (BIN_MONTHS wide; negative: before the cut-off).
    Each bin's 95% interval resamples the items, so the pairs of one item move together."""
    months: list[np.ndarray] = []
    right: list[np.ndarray] = []
    items: list[np.ndarray] = []
    scorer_of: list[np.ndarray] = []
    item_index = np.arange(scope.size)
    for j, cutoff in enumerate(cutoffs):
        if cutoff is None:
            continue
        answers = scores.correct[:, j]
        use = scope & dates.dated & ~np.isnan(answers)
        centre = _midpoint(cutoff.first.toordinal(), cutoff.last.toordinal())
        months.append((_midpoint(dates.first[use], dates.last[use]) - centre) / DAYS_PER_MONTH)
        right.append(answers[use] > 0.5)
        items.append(item_index[use])
        scorer_of.append(np.full(int(use.sum()), j))
    if not months or not sum(m.size for m in months):
        return []
    month, correct = np.concatenate(months), np.concatenate(right)
    item, scorer = np.concatenate(items), np.concatenate(scorer_of)
    edge = np.floor(month / BIN_MONTHS).astype(np.int64)
    bins: list[MonthsBin] = []
    for low_edge in np.unique(edge):
        inside = edge == low_edge
        k, n = int(correct[inside].sum()), int(inside.sum())
        n_items = int(np.unique(item[inside]).size)
        low = high = None
        if n_items >= MIN_BIN_ITEMS:
            interval = bootstrap_items(item=item[inside], correct=correct[inside])
            low, high = float(interval.low), float(interval.high)
        bins.append(
            {
                "months_from": int(low_edge) * BIN_MONTHS,
                "months_to": (int(low_edge) + 1) * BIN_MONTHS,
                "n": n,
                "k": k,
                "n_items": n_items,
                "n_scorers": int(np.unique(scorer[inside]).size),
                "accuracy": k / n if n else None,
                "low": low,
                "high": high,
            }
        )
    return bins


def cutoff_report(
    *, dates: ItemDates, scope: np.ndarray, scores: Scores, cutoffs: list[Cutoff | None]
) -> CutoffReport:
    """The per-model split and the binned figure on the items in ``scope``."""
    in_scope = np.flatnonzero(scope & dates.dated)
    precision: dict[str, int] = {}
    sources: dict[str, int] = {}
    for index in in_scope:
        precision[dates.precision[index]] = precision.get(dates.precision[index], 0) + 1
        kind = _source_kind(dates.source[index])
        sources[kind] = sources.get(kind, 0) + 1
    note = ""
    if not in_scope.size:
        note = (
            "No item in scope has a publication date: give them one (the published column of "
            "an item file) to compare accuracy before and after each model's cut-off."
        )
    elif all(cutoff is None for cutoff in cutoffs):
        note = "No model that counts has a known cut-off or release month."
    return {
        "n_items": int(scope.sum()),
        "n_dated": int(in_scope.size),
        "date_precision": precision,
        "date_sources": sources,
        "models": model_cutoffs(dates=dates, scope=scope, scores=scores, cutoffs=cutoffs),
        "bin_months": BIN_MONTHS,
        "months": months_bins(dates=dates, scope=scope, scores=scores, cutoffs=cutoffs),
        "note": note,
    }


def cutoff_empty() -> CutoffReport:
    """The report as it looks with no data (a guarded analysis's fallback)."""
    return {
        "n_items": 0,
        "n_dated": 0,
        "date_precision": {},
        "date_sources": {},
        "models": [],
        "bin_months": BIN_MONTHS,
        "months": [],
        "note": "",
    }


def ordinal(date: dt.date | None) -> int:
    """A date as ``ItemDates`` holds it: its ordinal, -1 for none."""
    return -1 if date is None else date.toordinal()
