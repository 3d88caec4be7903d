"""Greedy text generation with a loaded scorer's model: what the item workbench drafts with.

The same process-wide model a scoring run loads (``loading.get_scorer``), so a worker that
scores with a model drafts with it without loading it twice. Greedy (no sampling): the same
prompt on the same model and weights drafts the same text, which a lab can reproduce.
"""

from __future__ import annotations

import torch

from scoring.engine.config import ScorerConfig
from scoring.engine.loading import get_scorer


def generate_greedy(config: ScorerConfig, prompt: str, *, max_new_tokens: int) -> str:
    """The model's greedy continuation of ``prompt``: at most ``max_new_tokens`` new tokens,
    decoded without special tokens, stopped at the end-of-text token. ValueError when the
    prompt leaves no room for a new token in the model's positions."""
    if max_new_tokens < 1:
        raise ValueError("max_new_tokens must be at least 1")
    loaded = get_scorer(config)
    tokenizer, model = loaded.tokenizer, loaded.model
    ids = [int(i) for i in tokenizer(prompt.strip())["input_ids"]]
    if not ids:
        raise ValueError("The prompt is empty.")
    limit = loaded.max_positions
    if limit is not None and len(ids) + max_new_tokens > limit:
        raise ValueError(
            f"The prompt has {len(ids)} tokens: with {max_new_tokens} new ones it passes the "
            f"model's {limit} positions."
        )
    pad = tokenizer.pad_token_id
    eos = tokenizer.eos_token_id
    with loaded._lock, torch.inference_mode():
        input_ids = torch.tensor([ids], device=loaded.device)
        output = model.generate(
            input_ids=input_ids,
            attention_mask=torch.ones_like(input_ids),
            do_sample=False,
            num_beams=1,
            max_new_tokens=max_new_tokens,
            pad_token_id=pad if pad is not None else eos,
            eos_token_id=eos,
        )
    new_tokens = output[0, len(ids) :].tolist()
    return str(tokenizer.decode(new_tokens, skip_special_tokens=True))
