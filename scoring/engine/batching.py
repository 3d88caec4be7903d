"""Pure tensor helpers of the fast path: shared prefixes, padding, per-token NLL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

# Rows of logits turned into fp32 log-probabilities at once: bounds the fp32 copy
# (4096 x 32000 x 4 bytes = 0.5 GB) whatever the batch.
LOGSOFTMAX_ROWS = 4096


@dataclass(frozen=True)
class Group:
    """Distinct token sequences that share their first prefix_len tokens, run as one prefix.

    The versions of one item, and every item with the same original (a GPT-4-written case reuses
    the published abstract of the human-written case): each distinct sequence is scored once.
    prefix_len 0 means nothing is shared and every sequence runs whole.
    """

    sequences: tuple[tuple[int, ...], ...]
    prefix_len: int
    n_items: int

    @property
    def longest(self) -> int:
        return max(len(sequence) for sequence in self.sequences)


def shared_prefix_length(first: Sequence[int], second: Sequence[int]) -> int:
    """Longest common token prefix, leaving at least one token in each continuation.

    The continuation's first token is scored from the prefix's last logits, so an empty
    continuation (identical versions, or one a prefix of the other) would have nothing to run.
    """
    limit = min(len(first), len(second)) - 1
    length = 0
    while length < limit and first[length] == second[length]:
        length += 1
    return length


def group_prefix_length(sequences: Sequence[Sequence[int]]) -> int:
    """Tokens shared by all sequences, at least one left in each (see shared_prefix_length)."""
    if len(sequences) == 1:
        return len(sequences[0]) - 1
    return min(shared_prefix_length(sequences[0], other) for other in sequences[1:])


def plan_groups(
    items: Sequence[tuple[Sequence[int], Sequence[int]]], *, across_items: bool = True
) -> list[Group]:
    """Group (original, altered) token sequences: per item, or per distinct original."""
    members: dict[object, list[int]] = {}
    for index, (original, _) in enumerate(items):
        key = tuple(original) if across_items else index
        members.setdefault(key, []).append(index)
    groups = []
    for indices in members.values():
        distinct = dict.fromkeys([tuple(items[indices[0]][0])])
        distinct.update(dict.fromkeys(tuple(items[index][1]) for index in indices))
        sequences = tuple(distinct)
        groups.append(Group(sequences, group_prefix_length(sequences), len(indices)))
    return groups


def right_pad(
    sequences: Sequence[Sequence[int]], *, pad_id: int, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """(ids, mask) of shape [batch, longest]; padding on the right, mask 1 on real tokens."""
    width = max(len(seq) for seq in sequences)
    ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, seq in enumerate(sequences):
        ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[row, : len(seq)] = 1
    return ids.to(device), mask.to(device)


def token_nll(logits: torch.Tensor, targets: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Negative log-likelihood of targets[b, t] under logits[b, t], 0 where not valid.

    logits: [batch, time, vocab] in the model's dtype; the log-softmax runs in fp32 whatever
    that dtype is. Returns fp32 [batch, time].
    """
    out = torch.zeros(valid.shape, dtype=torch.float32, device=logits.device)
    where = valid.nonzero(as_tuple=True)
    if where[0].numel() == 0:
        return out
    picked = logits[where]
    picked_targets = targets[where]
    nll = torch.empty(picked.shape[0], dtype=torch.float32, device=logits.device)
    for start in range(0, picked.shape[0], LOGSOFTMAX_ROWS):
        stop = start + LOGSOFTMAX_ROWS
        logprobs = torch.log_softmax(picked[start:stop].float(), dim=-1)
        nll[start:stop] = -logprobs.gather(1, picked_targets[start:stop, None]).squeeze(1)
    out[where] = nll
    return out


def sequence_nll_sums(logits: torch.Tensor, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """fp64 [batch] sums of NLL of tokens 1.. of each row, each predicted by the one before."""
    nll = token_nll(logits[:, :-1], ids[:, 1:], mask[:, 1:].bool())
    return nll.double().sum(dim=1)
