"""Item analysis on hand-made trials whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from braintrial.analysis.science.items import (
    REASON_DEFECT,
    REASON_NEGATIVE,
    REASON_WRONG,
    ItemTrials,
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


def test_counts_interval_models_and_confidence_per_item() -> None:
    data = trials([(1, 0, True, 80), (2, 0, True, 60), (3, 0, False, 30), (1, 1, False, 50)])
    models = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, np.nan]])
    rows = item_analysis(trials=data, model_correct=models, defects=["", ""])
    first, second = rows
    assert (first.n, first.k) == (3, 2) and first.accuracy == pytest.approx(2 / 3)
    assert first.low is not None and first.low < 2 / 3 < (first.high or 0)
    assert first.models_correct == pytest.approx(2 / 3)
    assert first.models_agreement == pytest.approx(2 / 3)
    assert second.models_correct == 0.0 and second.models_agreement == 1.0
    assert second.n_models == 2
    assert first.confidence_right == 70.0 and first.confidence_wrong == 30.0


def test_discrimination_is_the_item_rest_correlation() -> None:
    # Five people answer items 0..3; item 0 is right exactly for those who do well elsewhere.
    rows = []
    for person, strong in enumerate([True, True, True, False, False, False]):
        rows.append((person, 0, strong, 50))
        for item in (1, 2, 3):
            rows.append((person, item, strong or item == 1, 50))
    result = item_analysis(trials=trials(rows), model_correct=np.zeros((4, 0)), defects=[""] * 4)
    assert result[0].discrimination == pytest.approx(1.0)
    assert result[0].discrimination_n == 6
    assert result[1].discrimination is None  # everybody right: no variance, no correlation


def test_suspects_and_their_reasons() -> None:
    rows = []
    for person in range(6):
        strong = person < 3
        rows.append((person, 0, not strong, 50))  # right only for the weak: negative
        rows.append((person, 1, False, 50))  # everybody wrong
        for item in (2, 3):
            rows.append((person, item, strong, 50))
    models = np.array([[1.0], [0.0], [1.0], [1.0]])
    result = item_analysis(
        trials=trials(rows), model_correct=models, defects=["", "", "", "garbled alternative"]
    )
    assert REASON_NEGATIVE in result[0].suspect_reasons and result[0].suspect
    assert REASON_WRONG in result[1].suspect_reasons
    assert not result[2].suspect
    assert result[3].suspect_reasons == (REASON_DEFECT,)
