"""Item analysis on hand-made trials whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from braintrial.analysis.science.items import (
    REASON_NEGATIVE,
    REASON_WRONG,
    ItemBank,
    ItemTrials,
    bayes_flags,
    benjamini_hochberg,
    item_analysis,
)


def trials(rows: list[tuple[int, int, bool, int]]) -> ItemTrials:
    person, item, correct, confidence = zip(*rows, strict=True)
    return ItemTrials(
        participant=np.array(person),
        item=np.array(item),
        correct=np.array(correct, dtype=bool),
        confidence=np.array(confidence),
    )


def bank(n: int, defects: list[str] | None = None) -> ItemBank:
    return ItemBank(ids=np.arange(100, 100 + n), sources=["human"] * n, defects=defects or [""] * n)


def test_counts_interval_models_and_confidence_per_item() -> None:
    data = trials([(1, 0, True, 80), (2, 0, True, 60), (3, 0, False, 30), (1, 1, False, 50)])
    models = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, np.nan]])
    first, second = item_analysis(trials=data, model_correct=models, bank=bank(2))
    assert (first["item_id"], first["source"]) == (100, "human")
    assert (first["n"], first["k"]) == (3, 2) and first["accuracy"] == pytest.approx(2 / 3)
    assert first["low"] is not None and first["low"] < 2 / 3 < (first["high"] or 0)
    assert first["models_right"] == 2 and first["models_correct"] == pytest.approx(2 / 3)
    assert first["models_agreement"] == pytest.approx(2 / 3)
    assert second["models_correct"] == 0.0 and second["models_agreement"] == 1.0
    assert second["n_models"] == 2 and second["models_right"] == 0
    assert first["confidence_right"] == 70.0 and first["confidence_wrong"] == 30.0


def test_discrimination_is_the_item_rest_correlation() -> None:
    # Five people answer items 0..3; item 0 is right exactly for those who do well elsewhere.
    rows = []
    for person, strong in enumerate([True, True, True, False, False, False]):
        rows.append((person, 0, strong, 50))
        for item in (1, 2, 3):
            rows.append((person, item, strong or item == 1, 50))
    result = item_analysis(trials=trials(rows), model_correct=np.zeros((4, 0)), bank=bank(4))
    assert result[0]["discrimination"] == pytest.approx(1.0)
    assert result[0]["discrimination_n"] == 6
    # Exact permutation p of a correlation this low: the strongest three right is the highest
    # of the 20 ways to choose three of six, so the lower tail holds all of them.
    assert result[0]["discrimination_p"] == pytest.approx(1.0)
    assert result[1]["discrimination"] is None  # everybody right: no variance, no correlation


def test_items_worth_a_second_look_and_importer_defects_apart() -> None:
    # 40 people: item 0 right only for the weak (negative discrimination, 40 answers), item 1
    # wrong for everybody and for the models, items 2..5 right for the strong.
    rows = []
    for person in range(40):
        strong = person < 20
        rows.append((person, 0, not strong, 50))
        rows.append((person, 1, False, 50))
        for item in (2, 3, 4, 5):
            rows.append((person, item, strong or item == 2, 50))
    models = np.array([[1.0], [0.0], [1.0], [1.0], [1.0], [1.0]])
    defects = ["", "", "", "", "", "garbled alternative"]
    result = item_analysis(trials=trials(rows), model_correct=models, bank=bank(6, defects))
    assert result[0]["suspect_reasons"] == [REASON_NEGATIVE] and result[0]["suspect"]
    assert result[1]["suspect_reasons"] == [REASON_WRONG]
    assert result[1]["p_below_half"] is not None and result[1]["p_below_half"] > 0.99
    assert not result[2]["suspect"]
    # The importer's note is shown on its own; it is not a data-driven reason.
    assert result[5]["defect"] == "garbled alternative" and not result[5]["suspect"]


def test_five_answers_cannot_show_negative_discrimination() -> None:
    # The published design's regime: a handful of answers per item. The smallest exact
    # p-value of five answers is 1/10, far above what 200 items' false discovery control asks.
    rows = []
    for person in range(5):
        rows.append((person, 0, person >= 3, 50))  # right only for the two weakest
        for item in range(1, 9):
            rows.append((person, item, person < 3 or item % 2 == 0, 50))
    result = item_analysis(trials=trials(rows), model_correct=np.zeros((9, 0)), bank=bank(9))
    assert result[0]["discrimination"] is not None and result[0]["discrimination"] < -0.8
    assert result[0]["discrimination_p"] == pytest.approx(0.1)
    assert not result[0]["suspect"]


def test_benjamini_hochberg_steps_up() -> None:
    p = np.array([0.001, 0.02, 0.03, 0.5, np.nan])
    # 5% over 4 tests: thresholds 0.0125, 0.025, 0.0375, 0.05: the third passes, so do the two
    # below it (the step-up), the NaN is not tested.
    assert benjamini_hochberg(p, 0.05).tolist() == [True, True, True, False, False]
    assert not benjamini_hochberg(np.array([0.2, 0.3]), 0.05).any()


def test_bayes_flags_keep_the_expected_share_of_false_flags_below_the_rate() -> None:
    probability = np.array([0.99, 0.95, 0.85, 0.6, np.nan])
    # Mean of (1 - probability) over the first k: 0.01, 0.03, 0.07, 0.15.
    assert bayes_flags(probability, 0.1).tolist() == [True, True, True, False, False]
