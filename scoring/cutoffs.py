"""A scorer's training-data cut-off: stated by its makers, else the latest it can be.

A cut-off is a range of days (a month stated as "September 2022" is its first to its last day).
Where the makers state none, the model's release month (``Scorer.released``; for the published
models, ``published_models.csv``) is taken instead: training data end no later than the release,
so an item published after that month is certainly after the cut-off, while one published
before it may or may not have been in the data. The source says which it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from braintrial.items.dates import DateError, month_range


@dataclass(frozen=True)
class Cutoff:
    first: dt.date
    last: dt.date
    source: str  # in words, for the report and the page
    stated: bool  # False: the release month, an upper bound


def scorer_cutoff(
    *,
    cutoff_first: dt.date | None,
    cutoff_last: dt.date | None,
    cutoff_source: str,
    released: str,
) -> Cutoff | None:
    """The cut-off of a scorer with these field values (``Scorer.cutoff_first``, ...); None
    where neither a cut-off is stated nor a release month known."""
    if cutoff_first is not None and cutoff_last is not None:
        return Cutoff(cutoff_first, cutoff_last, cutoff_source, stated=True)
    if released:
        try:
            first, last = month_range(released)
        except DateError:
            return None
        return Cutoff(
            first,
            last,
            f"not stated: the release month ({released}) instead, the latest the training data "
            "can end",
            stated=False,
        )
    return None


NO_CUTOFF = "no cut-off known: none is stated and the model has no release month"
