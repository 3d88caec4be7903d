"""The paper's methods on made-up numbers small enough to check by hand."""

from __future__ import annotations

import numpy as np
import pytest

from braintrial.analysis.paper.calibration import calibration_test, paper_bins
from braintrial.analysis.paper.logistic import logistic_fit, logistic_loo_margin
from braintrial.analysis.paper.teams import team_decide


def test_paper_bins_use_the_authors_edges_not_an_equal_split() -> None:
    # 10 ranks in 4 bins: edges 0, 2.5, 5, 7.5, 10 -> ranks {0,1,2}, {3,4}, {5,6,7}, {8,9}.
    score = np.arange(10.0)
    correct = np.array([0, 0, 0, 1, 0, 1, 1, 1, 1, 1], dtype=bool)
    bins = paper_bins(score=score, correct=correct, order=np.arange(10), n_bins=4)["bins"]
    assert [b["n"] for b in bins] == [3, 2, 3, 2]
    assert [b["accuracy"] for b in bins] == [0.0, 0.5, 1.0, 1.0]


def test_paper_bins_break_ties_in_stored_order() -> None:
    score = np.array([5.0, 5.0, 5.0, 5.0])
    correct = np.array([True, True, False, False])
    bins = paper_bins(score=score, correct=correct, order=np.arange(4), n_bins=2)["bins"]
    assert [b["accuracy"] for b in bins] == [1.0, 0.0]


def test_calibration_test_finds_confidence_that_predicts_correctness() -> None:
    rng = np.random.default_rng(1)
    confidence = rng.uniform(1, 100, 400)
    correct = rng.uniform(0, 1, 400) < confidence / 100
    result = calibration_test(confidence=confidence, correct=correct)
    assert result["df"] == 4 and result["slope"] > 0 and result["p"] < 0.001
    flat = calibration_test(confidence=confidence, correct=rng.uniform(0, 1, 400) < 0.5)
    assert flat["p"] > 0.001


def test_logistic_fit_matches_the_closed_form_of_one_binary_feature() -> None:
    # With one 0/1 feature and an intercept the fitted probabilities are the group shares.
    x = np.column_stack([np.ones(10), np.r_[np.zeros(5), np.ones(5)]])
    y = np.r_[1, 0, 0, 0, 0, 1, 1, 1, 1, 0].astype(float)
    w = logistic_fit(x=x, y=y, penalty=np.zeros(2))
    assert 1 / (1 + np.exp(-w[0])) == pytest.approx(0.2)
    assert 1 / (1 + np.exp(-(w[0] + w[1]))) == pytest.approx(0.8)


def test_leave_one_out_margins_are_the_refits_without_each_row() -> None:
    rng = np.random.default_rng(2)
    x = np.column_stack([rng.normal(0.4, 1, 60), rng.normal(0.8, 1, 60)])
    penalty = np.full(2, 1e-6)
    margins = logistic_loo_margin(x=x, penalty=penalty)
    for i in (0, 17, 59):
        keep = np.arange(60) != i
        w = logistic_fit(x=x[keep], y=np.ones(59), penalty=penalty)
        assert margins[i] == pytest.approx(x[i] @ w, rel=1e-8, abs=1e-10)


def test_team_of_calibrated_members_with_different_errors_beats_both() -> None:
    rng = np.random.default_rng(3)
    n = 600
    human_right = rng.uniform(size=n) < 0.65
    model_right = rng.uniform(size=n) < 0.8
    # Calibrated: each is more confident when right; errors independent of each other.
    human = np.where(human_right, 1, -1) * rng.uniform(np.where(human_right, 30, 1), 100)
    model = np.where(model_right, 1, -1) * rng.uniform(0, np.where(model_right, 3, 1))
    team = team_decide(judgments=np.column_stack([human, model]))
    assert team["validation"] == "leave-one-out"
    assert team["team"]["accuracy"] > max(human_right.mean(), model_right.mean())
