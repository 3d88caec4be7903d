"""The numeric helpers on examples worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import spearmanr

from braintrial.analysis import stats
from braintrial.analysis.figures import _pairwise_spearman


def test_accuracy_reports_k_n_binomial_sem_and_wilson_interval() -> None:
    acc = stats.accuracy(np.array([True, True, True, False]))
    assert acc == {
        "accuracy": 0.75,
        "sem": math.sqrt(0.75 * 0.25 / 4),
        "low": pytest.approx(0.3006, abs=1e-4),
        "high": pytest.approx(0.9544, abs=1e-4),
        "n": 4,
        "k": 3,
    }
    assert stats.accuracy(np.array([], dtype=bool)) == {
        "accuracy": None,
        "sem": None,
        "low": None,
        "high": None,
        "n": 0,
        "k": 0,
    }


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # One right answer proves little: the SEM would be 0 ("100.0% +- 0.0").
        (1, 1, 0.2065, 1.0),
        (0, 10, 0.0, 0.2775),
        (50, 100, 0.4038, 0.5962),
        (63, 100, 0.5322, 0.7181),
    ],
)
def test_wilson_interval_matches_published_values(k: int, n: int, low: float, high: float) -> None:
    assert stats.wilson_interval(k, n) == (
        pytest.approx(low, abs=1e-4),
        pytest.approx(high, abs=1e-4),
    )


def test_wilson_interval_stays_within_0_and_1_and_narrows_with_n() -> None:
    widths = []
    for n in (1, 5, 30, 300):
        low, high = stats.wilson_interval(n, n)
        assert low is not None and high is not None
        assert 0.0 <= low <= high <= 1.0
        widths.append(high - low)
    assert widths == sorted(widths, reverse=True)


def test_bins_are_equal_count_with_the_remainder_in_the_first_bins() -> None:
    score = np.arange(45, dtype=float)
    result = stats.binned_accuracy(score, np.ones(45, dtype=bool), np.arange(45))
    assert [b["n"] for b in result["bins"]] == [3] * 5 + [2] * 15
    assert result["bins"][0]["score_min"] == 0 and result["bins"][0]["score_max"] == 2
    assert result["bins"][5]["score_min"] == 15


def test_bins_sort_by_score_then_stored_order() -> None:
    # Four equal scores: the first two in stored order (order 0, 1) fill bin 1.
    score = np.array([5.0, 5.0, 5.0, 5.0])
    correct = np.array([False, True, True, False])
    order = np.array([3, 0, 1, 2])
    result = stats.binned_accuracy(score, correct, order, n_bins=2)
    assert [b["accuracy"] for b in result["bins"]] == [1.0, 0.0]


def test_linear_accuracy_over_bins_fits_slope_and_intercept() -> None:
    # Bin b (1..20) holds 20 trials of which b are right: accuracy b/20, so slope 0.05, 0.
    score, correct = [], []
    for b in range(1, 21):
        score += [float(b)] * 20
        correct += [True] * b + [False] * (20 - b)
    result = stats.binned_accuracy(np.array(score), np.array(correct), np.arange(400))
    assert [bin_["accuracy"] for bin_ in result["bins"]] == pytest.approx(
        [b / 20 for b in range(1, 21)]
    )
    assert result["fit"]["slope"] == pytest.approx(0.05)
    assert result["fit"]["intercept"] == pytest.approx(0.0, abs=1e-12)


def test_fewer_values_than_bins_gives_one_bin_each_and_no_line_for_one() -> None:
    result = stats.binned_accuracy(np.array([2.0, 1.0]), np.array([True, False]), np.arange(2))
    assert [b["accuracy"] for b in result["bins"]] == [0.0, 1.0]
    single = stats.binned_accuracy(np.array([1.0]), np.array([True]), np.arange(1))
    assert single["fit"] == {"slope": None, "intercept": None}


def test_spearman_with_ties_matches_the_hand_computation() -> None:
    # x ranks 1..5; y = 5, 6, 7, 8, 7 ranks 1, 2, 3.5, 5, 3.5 -> rho = 8 / sqrt(10 * 9.5).
    columns = np.array([[1, 5], [2, 6], [3, 7], [4, 8], [5, 7]], dtype=float)
    rho = stats.spearman_matrix(columns)[0, 1]
    assert rho == pytest.approx(8 / math.sqrt(95))
    assert rho == pytest.approx(spearmanr(columns[:, 0], columns[:, 1]).statistic)


def test_spearman_of_a_constant_column_is_undefined() -> None:
    matrix = stats.spearman_matrix(np.array([[1.0, 2.0], [2.0, 2.0], [3.0, 2.0]]))
    assert math.isnan(matrix[0, 1])
    assert stats.rounded(matrix[0, 1]) is None


def test_top_expertise_keeps_a_fifth_per_group_and_drops_small_groups() -> None:
    # Group 0: 5 trials -> 1 kept (the highest, 90). Group 1: 4 trials -> none.
    # Group 2: 11 trials -> 2 kept: the two 70s tie with a third; stored order decides.
    expertise = np.array([10, 90, 30, 40, 50, 99, 99, 99, 99] + [70, 70, 70] + [1] * 8)
    groups = np.array([0] * 5 + [1] * 4 + [2] * 11)
    order = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 19, 12, 15, *range(20, 28)])
    kept = stats.top_expertise_mask(expertise, groups, order)
    assert np.flatnonzero(kept).tolist() == [1, 10, 11]


def test_pairwise_spearman_by_missing_pattern_matches_pair_by_pair() -> None:
    rng = np.random.default_rng(3)
    columns = rng.normal(size=(40, 6))
    columns[30:, [1, 4]] = np.nan  # two columns miss the last 10 rows
    columns[:5, 2] = np.nan
    result = _pairwise_spearman(columns)
    for a in range(6):
        for b in range(6):
            both = ~np.isnan(columns[:, a]) & ~np.isnan(columns[:, b])
            expected = spearmanr(columns[both, a], columns[both, b]).statistic
            assert result[a, b] == pytest.approx(expected), (a, b)


def test_many_counts_give_what_each_count_gives_alone() -> None:
    """The intervals computed for many counts at once are each count's own interval."""
    k, n = np.array([0, 3, 0, 7, 10]), np.array([0, 4, 10, 7, 300])
    assert stats.accuracy_counts_many(k, n) == [
        stats.accuracy_counts(int(a), int(b)) for a, b in zip(k, n, strict=True)
    ]
    assert stats.accuracy_counts_many(k[:1], n[:1])[0]["low"] is None
