"""The published definition: template, BOS, fp32 log-softmax, mean NLL over tokens 1..n-1."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from bench.baseline import score_reference
from scoring.engine import (
    PairScore,
    ScorerConfig,
    ScorerConfigError,
    VersionScore,
    load_scorer,
    render_prompt,
)

TEXT = "Dopamine release in the striatum increased after reward."


def _by_hand(scorer, ids: list[int]) -> tuple[float, float]:
    """(nll_sum, ppl) from the model's raw logits, softmax written out in float64 numpy."""
    with torch.no_grad():
        logits = scorer.model(input_ids=torch.tensor([ids])).logits[0].double().numpy()
    nll = 0.0
    for position in range(1, len(ids)):
        row = logits[position - 1]
        log_z = math.log(np.exp(row - row.max()).sum()) + row.max()
        nll += log_z - row[ids[position]]
    return nll, math.exp(nll / (len(ids) - 1))


def test_version_score_mean_is_over_tokens_after_the_first() -> None:
    score = VersionScore.from_sum(n_tokens=5, nll_sum=4.0)
    assert score.nll_mean == 1.0
    assert score.ppl == pytest.approx(math.e)


def test_pair_score_picks_lower_perplexity_and_counts_a_tie_as_wrong() -> None:
    low, high = VersionScore(3, 2.0, 1.0, 2.0), VersionScore(3, 4.0, 2.0, 5.0)
    assert PairScore(original=low, altered=high).correct
    assert PairScore(original=low, altered=high).confidence == 3.0
    assert not PairScore(original=high, altered=low).correct
    assert not PairScore(original=low, altered=low).correct
    assert PairScore(original=low, altered=low).confidence == 0.0


def test_reference_score_matches_a_hand_computed_softmax(tiny_model_dir: Path) -> None:
    scorer = load_scorer(ScorerConfig(model_source=str(tiny_model_dir), device="cpu"))
    ids = scorer.tokenize(TEXT)
    nll_sum, ppl = _by_hand(scorer, ids)
    [reference] = score_reference(scorer, [TEXT])
    [pair] = scorer.score_pairs([(TEXT, TEXT + " Not after omission.")])
    assert reference.n_tokens == len(ids)
    assert reference.nll_sum == pytest.approx(nll_sum, rel=1e-6)
    assert reference.ppl == pytest.approx(ppl, rel=1e-6)
    assert pair.original.ppl == pytest.approx(ppl, rel=1e-6)


def test_first_token_is_context_only(tiny_model_dir: Path) -> None:
    scorer = load_scorer(ScorerConfig(model_source=str(tiny_model_dir), device="cpu"))
    ids = scorer.tokenize(TEXT)
    # Two tokens: exactly one scored, the second given the first.
    nll_two, _ = _by_hand(scorer, ids[:2])
    with torch.no_grad():
        logits = scorer.model(input_ids=torch.tensor([ids[:2]])).logits[0, 0].double()
    assert nll_two == pytest.approx(float(-torch.log_softmax(logits, -1)[ids[1]]), rel=1e-9)


def test_render_prompt_puts_abstract_in_and_strips() -> None:
    template = "  You are a neuroscientist. Here is an abstract: <choice abstract>\n\n"
    rendered = render_prompt(template, "Neurons fire.")
    assert rendered == "You are a neuroscientist. Here is an abstract: Neurons fire."
    assert render_prompt("", "  Neurons fire.\n") == "Neurons fire."


def test_render_prompt_without_slot_is_a_config_error() -> None:
    with pytest.raises(ScorerConfigError, match="<choice abstract>"):
        render_prompt("Here is an abstract:", "Neurons fire.")


def test_template_tokens_are_scored(tiny_model_dir: Path, brainbench_csv_dir: Path) -> None:
    template = (brainbench_csv_dir / "prompt_templates" / "gpt2.txt").read_text(encoding="utf-8")
    plain = load_scorer(ScorerConfig(model_source=str(tiny_model_dir), device="cpu"))
    templated = load_scorer(
        ScorerConfig(model_source=str(tiny_model_dir), device="cpu", prompt_template=template)
    )
    ids = templated.tokenize(TEXT)
    assert ids == plain.tokenize(render_prompt(template, TEXT))
    assert len(ids) > len(plain.tokenize(TEXT)) + 5
    nll_sum, _ = _by_hand(templated, ids)
    [score] = score_reference(templated, [TEXT])
    assert score.n_tokens == len(ids)
    assert score.nll_sum == pytest.approx(nll_sum, rel=1e-6)


def _tokenize(model_dir: Path, bos: str, text: str = TEXT) -> list[int]:
    return load_scorer(ScorerConfig(model_source=str(model_dir), device="cpu", bos=bos)).tokenize(
        text
    )


def test_bos_modes_with_a_tokenizer_that_adds_bos(tiny_model_dir: Path) -> None:
    scorer = load_scorer(ScorerConfig(model_source=str(tiny_model_dir), device="cpu"))
    bos = scorer.tokenizer.bos_token_id
    as_tokenizer = _tokenize(tiny_model_dir, "tokenizer")
    assert as_tokenizer[0] == bos
    assert as_tokenizer.count(bos) == 1
    assert _tokenize(tiny_model_dir, "add") == as_tokenizer  # not doubled
    assert _tokenize(tiny_model_dir, "none") == as_tokenizer[1:]


def test_bos_modes_with_a_tokenizer_that_adds_nothing(tiny_model_nobos_dir: Path) -> None:
    scorer = load_scorer(ScorerConfig(model_source=str(tiny_model_nobos_dir), device="cpu"))
    bos = scorer.tokenizer.bos_token_id
    as_tokenizer = _tokenize(tiny_model_nobos_dir, "tokenizer")
    assert bos not in as_tokenizer
    assert _tokenize(tiny_model_nobos_dir, "add") == [bos, *as_tokenizer]
    assert _tokenize(tiny_model_nobos_dir, "none") == as_tokenizer


def test_bos_add_scores_the_first_word(tiny_model_nobos_dir: Path) -> None:
    added = load_scorer(
        ScorerConfig(model_source=str(tiny_model_nobos_dir), device="cpu", bos="add")
    )
    [with_bos] = score_reference(added, [TEXT])
    [without] = score_reference(
        load_scorer(ScorerConfig(model_source=str(tiny_model_nobos_dir), device="cpu")), [TEXT]
    )
    assert with_bos.n_tokens == without.n_tokens + 1
    assert with_bos.nll_sum > without.nll_sum  # one more token scored, each NLL > 0


def test_a_prompt_of_one_token_cannot_be_scored(tiny_model_nobos_dir: Path) -> None:
    scorer = load_scorer(ScorerConfig(model_source=str(tiny_model_nobos_dir), device="cpu"))
    with pytest.raises(ValueError, match="at least 2"):
        score_reference(scorer, ["a"])
