"""The paper's plain reference and the usual batched baseline, for the tests and the benchmark
to measure the engine against.

It does what lm-evaluation-harness's Hugging Face backend does for a log-likelihood: every
version is a whole sequence of its own (no prefix reuse), the sequences are sorted longest
first, cut into batches, right-padded with zeros and run without an attention mask (causal
attention never looks right, so the padding cannot change a real token's logits), and one
log-softmax is taken over the whole padded batch. One deliberate difference: the log-softmax
runs in fp32, as in the engine and the reference, so that a perplexity difference between the
three measures the batching alone, not the precision of the softmax.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from scoring.engine.config import ScorerOutOfMemoryError, VersionScore
from scoring.engine.scorer import OUT_OF_MEMORY, LoadedScorer


def score_reference(scorer: LoadedScorer, texts: Sequence[str]) -> list[VersionScore]:
    """The paper's definition, kept deliberately plain: the reference the engine must match.

    Each abstract alone: batch 1, one forward pass, no cache, no prefix reuse.
    """
    scores = []
    with torch.inference_mode():
        for text in texts:
            ids = scorer.tokenize(text)
            input_ids = torch.tensor([ids], dtype=torch.long, device=scorer.device)
            logits = scorer.model(input_ids=input_ids, use_cache=False).logits[0, :-1]
            logprobs = torch.log_softmax(logits.float(), dim=-1)
            nll = -logprobs.gather(1, input_ids[0, 1:, None]).squeeze(1)
            scores.append(
                VersionScore.from_sum(n_tokens=len(ids), nll_sum=float(nll.double().sum()))
            )
    return scores


def score_batched_baseline(
    scorer: LoadedScorer, texts: Sequence[str], *, batch_size: int
) -> list[VersionScore]:
    """Score each abstract as a whole sequence in length-sorted, right-padded batches.

    batch_size: sequences per forward pass, halved on an out-of-memory until it fits.
    Returns the scores in the order given (NLL in nats over tokens 1..n, fp32 log-softmax).
    """
    tokenized = [scorer.tokenize(text) for text in texts]
    order = sorted(range(len(tokenized)), key=lambda index: -len(tokenized[index]))
    results: dict[int, VersionScore] = {}
    size = max(1, batch_size)
    start = 0
    with torch.inference_mode():
        while start < len(order):
            chunk = order[start : start + size]
            try:
                sums = _padded_sums(scorer, [tokenized[index] for index in chunk])
            except OUT_OF_MEMORY as exc:
                if size == 1:
                    raise ScorerOutOfMemoryError("Out of memory at batch size 1.") from exc
                size //= 2
                if scorer.device.type == "cuda":
                    torch.cuda.empty_cache()
                continue
            for index, nll_sum in zip(chunk, sums, strict=True):
                results[index] = VersionScore.from_sum(
                    n_tokens=len(tokenized[index]), nll_sum=nll_sum
                )
            start += len(chunk)
    return [results[index] for index in range(len(tokenized))]


def _padded_sums(scorer: LoadedScorer, sequences: Sequence[Sequence[int]]) -> list[float]:
    """NLL sums of tokens 1.. of each sequence, run as one right-padded batch, no mask."""
    width = len(sequences[0])  # sorted longest first
    ids = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, sequence in enumerate(sequences):
        ids[row, : len(sequence)] = torch.tensor(sequence, dtype=torch.long)
    ids = ids.to(scorer.device)
    logits = scorer.model(input_ids=ids, use_cache=False).logits
    # The whole padded batch at once, as the harness does: [batch, width, vocab] in fp32.
    logprobs = torch.log_softmax(logits.float(), dim=-1)
    del logits
    targets = ids[:, 1:, None].to(logprobs.device)
    picked = -logprobs[:, :-1].gather(2, targets).squeeze(2)
    return [float(picked[row, : len(seq) - 1].double().sum()) for row, seq in enumerate(sequences)]
