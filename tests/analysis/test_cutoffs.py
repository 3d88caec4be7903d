"""Accuracy after and before a model's cut-off (analysis.cutoffs), on arrays made by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np

from braintrial.analysis.cutoffs import ItemDates, cutoff_report, ordinal
from braintrial.analysis.data import Scores
from scoring.cutoffs import NO_CUTOFF, Cutoff

D = dt.date


def dates(*ranges: tuple[dt.date, dt.date] | None) -> ItemDates:
    return ItemDates(
        first=np.array([ordinal(r[0] if r else None) for r in ranges], dtype=np.int64),
        last=np.array([ordinal(r[1] if r else None) for r in ranges], dtype=np.int64),
        precision=["year" if r else "" for r in ranges],
        source=["the year the DOI names (10.x)" if r else "" for r in ranges],
    )


def scores(correct: list[list[float]]) -> Scores:
    table = np.array(correct, dtype=float)
    names = [f"m{j}" for j in range(table.shape[1])]
    return Scores(
        scorers=[
            {
                "id": j,
                "name": n,
                "display_name": n.upper(),
                "is_published": True,
                "n_items_scored": 0,
            }
            for j, n in enumerate(names)
        ],
        correct=table,
        confidence=np.zeros_like(table),
        margin=np.zeros_like(table),
        skipped=[],
    )


Y2021 = (D(2021, 1, 1), D(2021, 12, 31))
Y2022 = (D(2022, 1, 1), D(2022, 12, 31))
Y2023 = (D(2023, 1, 1), D(2023, 12, 31))
SEPT_2022 = Cutoff(D(2022, 9, 1), D(2022, 9, 30), "card", stated=True)


def test_items_split_into_after_before_and_overlapping_the_cutoff():
    items = dates(Y2021, Y2022, Y2023, Y2023, None)
    answers = scores([[1.0], [1.0], [1.0], [0.0], [1.0]])
    report = cutoff_report(
        dates=items, scope=np.ones(5, dtype=bool), scores=answers, cutoffs=[SEPT_2022]
    )
    row = report["models"][0]
    assert (row["after"]["k"], row["after"]["n"]) == (1, 2)  # the two 2023 items
    assert (row["before"]["k"], row["before"]["n"]) == (1, 1)  # 2021
    assert row["n_overlapping"] == 1  # "2022" overlaps September 2022
    assert row["n_undated"] == 1
    assert row["after"]["low"] <= 0.5 <= row["after"]["high"]
    assert row["cutoff"] == {
        "first": "2022-09-01",
        "last": "2022-09-30",
        "source": "card",
        "stated": True,
    }
    assert row["note"] == ""
    assert report["n_dated"] == 4 and report["date_sources"] == {"the year the DOI names": 4}


def test_a_model_with_no_item_after_its_cutoff_says_so():
    late = Cutoff(D(2024, 3, 1), D(2024, 3, 31), "not stated: the release month", stated=False)
    report = cutoff_report(
        dates=dates(Y2021, Y2023),
        scope=np.ones(2, dtype=bool),
        scores=scores([[1.0], [0.0]]),
        cutoffs=[late],
    )
    row = report["models"][0]
    assert row["after"]["n"] == 0 and row["after"]["accuracy"] is None
    assert row["before"]["n"] == 2
    assert row["note"].startswith("no item published after its cut-off")


def test_a_model_without_a_cutoff_says_why_and_stays_out_of_the_figure():
    report = cutoff_report(
        dates=dates(Y2021, Y2023),
        scope=np.ones(2, dtype=bool),
        scores=scores([[1.0, 1.0], [0.0, 1.0]]),
        cutoffs=[None, SEPT_2022],
    )
    assert report["models"][0]["cutoff"] is None
    assert report["models"][0]["note"] == NO_CUTOFF
    assert sum(b["n"] for b in report["months"]) == 2  # only the second model's pairs
    assert all(b["n_scorers"] == 1 for b in report["months"])


def test_missing_scores_and_items_out_of_scope_are_not_counted():
    report = cutoff_report(
        dates=dates(Y2023, Y2023, Y2023),
        scope=np.array([True, True, False]),
        scores=scores([[1.0], [np.nan], [1.0]]),
        cutoffs=[SEPT_2022],
    )
    assert report["models"][0]["after"]["n"] == 1
    assert report["n_items"] == 2


def test_months_are_binned_from_the_cutoff_to_the_publication():
    # Middle of September 2022 to the middle of 2023 (2 July): about 9.5 months, bin [6, 12).
    report = cutoff_report(
        dates=dates(Y2021, Y2023, Y2023),
        scope=np.ones(3, dtype=bool),
        scores=scores([[1.0], [1.0], [0.0]]),
        cutoffs=[SEPT_2022],
    )
    bins = {(b["months_from"], b["months_to"]): b for b in report["months"]}
    assert set(bins) == {(-18, -12), (6, 12)}
    after = bins[(6, 12)]
    assert (after["k"], after["n"], after["n_items"]) == (1, 2, 2)
    assert after["low"] is not None and after["low"] <= 0.5 <= after["high"]
    assert bins[(-18, -12)]["low"] is None  # one item: no interval to resample


def test_no_dated_item_says_how_to_date_them():
    report = cutoff_report(
        dates=dates(None, None),
        scope=np.ones(2, dtype=bool),
        scores=scores([[1.0], [0.0]]),
        cutoffs=[SEPT_2022],
    )
    assert report["months"] == [] and "published column" in report["note"]
