"""A loaded model that scores abstracts: the paper's plain loop and the fast path.

Both paths compute the same quantity (see VersionScore): the fast path only reorders the work.
Items are sorted by length and batched with an attention mask; the tokens that the two
versions of an item share at the start are run once, and their key/value cache is repeated for
the two continuations.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import torch

from scoring.engine.batching import Group, plan_groups, right_pad, sequence_nll_sums
from scoring.engine.batching import token_nll as _token_nll
from scoring.engine.config import (
    PairScore,
    ScorerConfig,
    ScorerOutOfMemoryError,
    VersionScore,
    render_prompt,
)

# Items per batch to start from on a GPU; halved on out-of-memory until it fits.
GPU_START_BATCH = 64
# On CPU batching gains little and padding costs: one item (two continuations) at a time.
CPU_BATCH = 1


def _cache_kwarg() -> str:
    # transformers 5.x renamed the key/value cache argument from past_key_values to cache.
    from transformers.modeling_outputs import CausalLMOutputWithPast

    return "cache" if "cache" in CausalLMOutputWithPast.__dataclass_fields__ else "past_key_values"


CACHE_KWARG = _cache_kwarg()
# torch.OutOfMemoryError is 2.5+; a GPU machine's own image may have an older torch.
OUT_OF_MEMORY = getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError)


def _dynamic_cache(cache: Any) -> Any:
    """The model's key/value cache as a Cache object (older transformers return tuples)."""
    if isinstance(cache, tuple):
        from transformers import DynamicCache

        # Only on transformers < 5, which still has from_legacy_cache.
        return getattr(DynamicCache, "from_legacy_cache")(cache)  # noqa: B009
    return cache


def _describe_device(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    name = "cpu"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    name = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{name} ({torch.get_num_threads()} threads)"


def _max_positions(model: Any) -> int | None:
    config = getattr(model, "config", None)
    for attr in ("max_position_embeddings", "n_positions", "max_seq_len"):
        value = getattr(config, attr, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


class LoadedScorer:
    """Tokenizer + model in eval mode on one device. Build it with load_scorer / get_scorer."""

    def __init__(
        self, *, config: ScorerConfig, model: Any, tokenizer: Any, device: torch.device
    ) -> None:
        self.config = config
        self.model = model
        self.tokenizer = tokenizer
        self.device = device
        self.dtype: torch.dtype = next(model.parameters()).dtype
        self.device_name = _describe_device(device)
        self.batch_size = GPU_START_BATCH if device.type == "cuda" else CPU_BATCH
        pad = tokenizer.pad_token_id
        # Padded positions are masked out; any valid id will do.
        self.pad_id = int(pad if pad is not None else (tokenizer.eos_token_id or 0))
        self.max_positions = _max_positions(model)
        # Set by the loader when the layers live on several devices (see engine.placement).
        self.sharded = False
        self._lock = threading.Lock()

    def tokenize(self, abstract: str) -> list[int]:
        """Token ids of the prompt for one abstract, BOS handled as configured."""
        prompt = render_prompt(self.config.prompt_template, abstract)
        ids = [int(i) for i in self.tokenizer(prompt)["input_ids"]]
        bos = self.tokenizer.bos_token_id
        if self.config.bos == "add" and bos is not None and (not ids or ids[0] != bos):
            ids.insert(0, int(bos))
        elif self.config.bos == "none" and bos is not None and ids and ids[0] == bos:
            ids.pop(0)
        if len(ids) < 2:
            raise ValueError(
                f"The prompt tokenises to {len(ids)} token(s); at least 2 are needed to score."
            )
        if self.max_positions is not None and len(ids) > self.max_positions:
            raise ValueError(
                f"The prompt has {len(ids)} tokens, more than the model's "
                f"{self.max_positions} positions."
            )
        return ids

    def score_pairs(
        self,
        pairs: Sequence[tuple[str, str]],
        *,
        batch_size: int | None = None,
        progress: Callable[[int], None] | None = None,
        across_items: bool = True,
    ) -> list[PairScore]:
        """Score (original, altered) abstracts; results in the order given.

        batch_size: groups per batch, a group being one item, or with across_items the items
        that share one original abstract (each distinct prompt is then scored once). By default
        the scorer's own, which on a GPU is lowered for good after an out-of-memory.
        progress: called after each batch with the number of pairs scored so far.
        """
        tokenized = [
            (self.tokenize(original), self.tokenize(altered)) for original, altered in pairs
        ]
        groups = plan_groups(tokenized, across_items=across_items)
        # Longest first: an out-of-memory shows on the first batch, before any time is spent.
        groups.sort(key=lambda group: (-group.longest, -group.prefix_len))
        sums: dict[tuple[int, ...], float] = {}
        size = max(1, batch_size or self.batch_size)
        start = done = 0
        with self._lock, torch.inference_mode():
            while start < len(groups):
                chunk = groups[start : start + size]
                try:
                    sums.update(self._score_groups(chunk))
                except OUT_OF_MEMORY as exc:
                    if size == 1:
                        raise ScorerOutOfMemoryError(
                            f"Out of memory on {self.device_name} at batch size 1 "
                            f"({chunk[0].longest} tokens): the model does not fit."
                        ) from exc
                    size //= 2
                    if batch_size is None:
                        self.batch_size = size
                    if self.device.type == "cuda":
                        torch.cuda.empty_cache()
                    continue
                start += len(chunk)
                done += sum(group.n_items for group in chunk)
                if progress is not None:
                    progress(done)
        return [
            PairScore(
                original=VersionScore.from_sum(n_tokens=len(first), nll_sum=sums[tuple(first)]),
                altered=VersionScore.from_sum(n_tokens=len(second), nll_sum=sums[tuple(second)]),
            )
            for first, second in tokenized
        ]

    def _score_groups(self, chunk: Sequence[Group]) -> dict[tuple[int, ...], float]:
        """NLL sum of every distinct sequence of the chunk's groups."""
        sums: dict[tuple[int, ...], float] = {}
        shared = [group for group in chunk if group.prefix_len > 0]
        if shared:
            sequences = [sequence for group in shared for sequence in group.sequences]
            sums.update(zip(sequences, self._shared_sums(shared), strict=True))
        alone = [
            sequence for group in chunk if group.prefix_len == 0 for sequence in group.sequences
        ]
        if alone:
            sums.update(zip(alone, self._full_sums(alone), strict=True))
        return sums

    def _full_sums(self, sequences: Sequence[Sequence[int]]) -> list[float]:
        """Whole sequences, right-padded in one batch (groups whose versions share nothing)."""
        ids, mask = right_pad(sequences, pad_id=self.pad_id, device=self.device)
        positions = torch.arange(ids.shape[1], device=self.device).expand_as(ids) * mask
        logits = self.model(
            input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=False
        ).logits
        return [float(value) for value in sequence_nll_sums(logits, ids, mask).tolist()]

    def _shared_sums(self, groups: Sequence[Group]) -> list[float]:
        """NLL sums of each group's sequences in order, each group's prefix run once.

        The prefixes run right-padded; their cache rows are then selected so that each
        continuation row holds its group's prefix, and the continuations run against it with a
        mask that hides the prefix padding and positions that go on from the group's own prefix
        length.
        """
        device = self.device
        prefix_lens = torch.tensor([group.prefix_len for group in groups], device=device)
        prefixes = [group.sequences[0][: group.prefix_len] for group in groups]
        pre_ids, pre_mask = right_pad(prefixes, pad_id=self.pad_id, device=device)
        pre_positions = torch.arange(pre_ids.shape[1], device=device).expand_as(pre_ids) * pre_mask
        out = self.model(
            input_ids=pre_ids, attention_mask=pre_mask, position_ids=pre_positions, use_cache=True
        )
        rows = torch.tensor(
            [number for number, group in enumerate(groups) for _ in group.sequences], device=device
        )
        prefix_sums = sequence_nll_sums(out.logits, pre_ids, pre_mask)[rows]
        # The prefix's last logits predict the first token of each continuation.
        last_logits = out.logits[torch.arange(len(groups), device=device), prefix_lens - 1][rows]
        cache = _dynamic_cache(getattr(out, CACHE_KWARG))
        del out
        # Each layer's cache lives on that layer's device; an index on the CPU serves them all.
        cache.batch_select_indices(rows.cpu() if self.sharded else rows)

        continuations = [
            sequence[group.prefix_len :] for group in groups for sequence in group.sequences
        ]
        cont_ids, cont_mask = right_pad(continuations, pad_id=self.pad_id, device=device)
        first_nll = _token_nll(
            last_logits[:, None, :],
            cont_ids[:, :1],
            torch.ones_like(cont_ids[:, :1], dtype=torch.bool),
        )[:, 0]
        del last_logits
        offsets = prefix_lens[rows][:, None]
        cont_positions = (offsets + torch.arange(cont_ids.shape[1], device=device)) * cont_mask
        mask = torch.cat([pre_mask[rows], cont_mask], dim=1)
        logits = self.model(
            input_ids=cont_ids,
            attention_mask=mask,
            position_ids=cont_positions,
            use_cache=True,
            **{CACHE_KWARG: cache},
        ).logits
        totals = prefix_sums + first_nll.double() + sequence_nll_sums(logits, cont_ids, cont_mask)
        return [float(value) for value in totals.tolist()]
