"""The fast path (sorted, batched, prefix-shared) gives the plain loop's scores to 1e-4."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import pytest

from bench.baseline import score_reference
from scoring.engine import LoadedScorer, PairScore, ScorerConfig, load_scorer
from scoring.engine.batching import plan_groups, shared_prefix_length

REL = 1e-4
# 1-based rows whose alternatives the published split cut wrongly (data README).
DEFECTIVE = {"BrainBench_Human_v0.1.csv": [62], "BrainBench_GPT-4_v0.1.csv": [24, 51, 58, 66]}
ORDINARY = {"BrainBench_Human_v0.1.csv": [1, 2, 3, 100, 200], "BrainBench_GPT-4_v0.1.csv": [1, 2]}

SHORT_PAIRS = [
    # Versions tokenising to different lengths.
    ("Activity increased in the hippocampus.", "Activity sharply decreased in the hippocampus."),
    # Identical versions: everything shared but the last token.
    ("Neurons fire in sequences.", "Neurons fire in sequences."),
    # One version a prefix of the other.
    ("The lesion impaired recall.", "The lesion impaired recall and learning."),
    # A difference inside a word: the shared prefix is cut at a token, not a character.
    ("Microglia prune synapses in mice.", "Microglia pruned synapses in mice."),
    # Different from the very first word.
    ("Astrocytes regulate potassium.", "Oligodendrocytes regulate potassium."),
]


def brainbench_pairs(directory: Path, rows: dict[str, list[int]]) -> list[tuple[str, str]]:
    pairs = []
    for name, numbers in rows.items():
        with open(directory / name, encoding="utf-8", newline="") as handle:
            records = list(csv.DictReader(handle))
        for number in numbers:
            record = records[number - 1]
            pairs.append((record["original_abstract"], record["incorrect_abstract"]))
    return pairs


def assert_parity(
    scorer: LoadedScorer, pairs: Sequence[tuple[str, str]], **kwargs: int
) -> list[PairScore]:
    """Fast path against the plain loop, version by version; returns the fast scores."""
    fast = scorer.score_pairs(pairs, **kwargs)
    reference = score_reference(scorer, [text for pair in pairs for text in pair])
    assert len(fast) == len(pairs)
    for number, pair in enumerate(fast):
        for got, want in (
            (pair.original, reference[2 * number]),
            (pair.altered, reference[2 * number + 1]),
        ):
            assert got.n_tokens == want.n_tokens
            assert got.nll_sum == pytest.approx(want.nll_sum, rel=REL)
            assert got.ppl == pytest.approx(want.ppl, rel=REL)
    return fast


@pytest.fixture(scope="module")
def tiny(tiny_model_dir: Path) -> LoadedScorer:
    return load_scorer(ScorerConfig(model_source=str(tiny_model_dir), device="cpu"))


@pytest.fixture(scope="module")
def tiny_nobos(tiny_model_nobos_dir: Path) -> LoadedScorer:
    return load_scorer(ScorerConfig(model_source=str(tiny_model_nobos_dir), device="cpu"))


def test_shared_prefix_length_leaves_a_token_in_each_continuation() -> None:
    assert shared_prefix_length([1, 2, 3, 4], [1, 2, 9, 4]) == 2
    assert shared_prefix_length([1, 2, 3], [1, 2, 3]) == 2
    assert shared_prefix_length([1, 2], [1, 2, 3, 4]) == 1
    assert shared_prefix_length([5, 2, 3], [1, 2, 3]) == 0


def test_short_pairs_cover_the_edge_cases(tiny: LoadedScorer, tiny_nobos: LoadedScorer) -> None:
    ids = [(tiny.tokenize(a), tiny.tokenize(b)) for a, b in SHORT_PAIRS]
    assert len(ids[0][0]) != len(ids[0][1])
    assert ids[1][0] == ids[1][1]
    # With BOS first, only the BOS is shared: a prefix of length 1.
    assert shared_prefix_length(*ids[4]) == 1
    # Without BOS, nothing is shared at all.
    assert (
        shared_prefix_length(
            tiny_nobos.tokenize(SHORT_PAIRS[4][0]), tiny_nobos.tokenize(SHORT_PAIRS[4][1])
        )
        == 0
    )


@pytest.mark.parametrize("batch_size", [1, 2, 5])
def test_short_pairs_match_reference(tiny: LoadedScorer, batch_size: int) -> None:
    assert_parity(tiny, SHORT_PAIRS, batch_size=batch_size)


@pytest.mark.parametrize("batch_size", [1, 5])
def test_short_pairs_without_bos_match_reference(tiny_nobos: LoadedScorer, batch_size: int) -> None:
    assert_parity(tiny_nobos, SHORT_PAIRS, batch_size=batch_size)


def test_brainbench_rows_share_most_of_their_tokens(
    tiny: LoadedScorer, brainbench_csv_dir: Path
) -> None:
    pairs = brainbench_pairs(brainbench_csv_dir, ORDINARY)
    fractions = []
    lengths_differ = 0
    for original, altered in pairs:
        first, second = tiny.tokenize(original), tiny.tokenize(altered)
        fractions.append(shared_prefix_length(first, second) / len(first))
        lengths_differ += len(first) != len(second)
    assert sum(fractions) / len(fractions) > 0.3
    assert lengths_differ >= 2


def test_brainbench_rows_with_defective_ones_match_reference(
    tiny: LoadedScorer, brainbench_csv_dir: Path
) -> None:
    pairs = brainbench_pairs(brainbench_csv_dir, DEFECTIVE) + brainbench_pairs(
        brainbench_csv_dir, ORDINARY
    )
    assert_parity(tiny, pairs, batch_size=4)


def test_ragged_batch_of_short_and_long_items_matches_reference(
    tiny: LoadedScorer, brainbench_csv_dir: Path
) -> None:
    pairs = [*SHORT_PAIRS[:3], *brainbench_pairs(brainbench_csv_dir, DEFECTIVE), *SHORT_PAIRS[3:]]
    assert_parity(tiny, pairs, batch_size=len(pairs))


def test_results_keep_the_callers_order_and_report_progress(tiny: LoadedScorer) -> None:
    pairs = [SHORT_PAIRS[2], SHORT_PAIRS[0], SHORT_PAIRS[3]]
    seen: list[int] = []
    together = tiny.score_pairs(pairs, batch_size=2, progress=seen.append)
    alone = [tiny.score_pairs([pair])[0] for pair in pairs]
    assert [score.original.n_tokens for score in together] == [
        score.original.n_tokens for score in alone
    ]
    assert seen == [2, 3]


def test_plan_groups_scores_a_shared_original_once() -> None:
    original, human, machine = [1, 2, 3, 4, 5], [1, 2, 9, 4, 5], [1, 2, 3, 7, 5]
    [group] = plan_groups([(original, human), (original, machine)])
    assert group.sequences == (tuple(original), tuple(human), tuple(machine))
    assert group.prefix_len == 2
    assert group.n_items == 2
    assert len(plan_groups([(original, human), (original, machine)], across_items=False)) == 2
    [same] = plan_groups([(original, original)])
    assert same.sequences == (tuple(original),)
    assert same.prefix_len == 4


def test_items_sharing_an_original_match_reference(
    tiny: LoadedScorer, brainbench_csv_dir: Path
) -> None:
    with open(brainbench_csv_dir / "BrainBench_Human_v0.1.csv", encoding="utf-8") as handle:
        human = {row["original_abstract"]: row for row in csv.DictReader(handle)}
    with open(brainbench_csv_dir / "BrainBench_GPT-4_v0.1.csv", encoding="utf-8") as handle:
        machine = [row for row in csv.DictReader(handle) if row["original_abstract"] in human][:3]
    pairs = []
    for row in machine:
        original = row["original_abstract"]
        pairs.append((original, human[original]["incorrect_abstract"]))
        pairs.append((original, row["incorrect_abstract"]))
    ids = [(tiny.tokenize(a), tiny.tokenize(b)) for a, b in pairs]
    assert len(plan_groups(ids)) == 3
    assert_parity(tiny, pairs, batch_size=2)
    grouped = tiny.score_pairs(pairs)
    per_item = tiny.score_pairs(pairs, across_items=False)
    for together, alone in zip(grouped, per_item, strict=True):
        assert together.altered.ppl == pytest.approx(alone.altered.ppl, rel=REL)
