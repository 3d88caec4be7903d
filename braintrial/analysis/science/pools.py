"""Which models a pooled model figure covers.

The paper averages and correlates 15 general-purpose LLMs (Galactica, Falcon, Llama-2 and
Mistral with their chat and instruct versions; ``Scorer.paper_llm``); the published scores hold
11 more (small GPT-2s, TinyLlamas, Phi-3, the authors' fine-tunes), which average lower. Every
pooled model figure of the science entry names its pool: by default the paper's LLMs together
with the study's own scorers (those not imported from the paper), on request every scorer that
counts.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

POOLS = ("paper", "all")
DEFAULT_POOL = "paper"


def pool_columns(
    scorers: Sequence[Any], *, paper_llms: Collection[int], pool: str = DEFAULT_POOL
) -> list[int]:
    """Columns of ``scorers`` (ScorerInfo dicts, in Scores order) in ``pool``; ``paper_llms``:
    the ids of the scorers that are the paper's LLMs."""
    if pool == "all":
        return list(range(len(scorers)))
    return [
        j
        for j, scorer in enumerate(scorers)
        if scorer["id"] in paper_llms or not scorer["is_published"]
    ]


def pool_label(scorers: Sequence[Any], *, paper_llms: Collection[int], pool: str) -> str:
    """The pool in words, e.g. "the paper's 15 LLMs" or "all 26 scorers"."""
    if pool == "all":
        return f"all {len(scorers)} scorers"
    paper = sum(1 for s in scorers if s["id"] in paper_llms)
    own = sum(1 for s in scorers if not s["is_published"])
    parts = []
    if paper:
        parts.append(f"the paper's {paper} LLMs")
    if own:
        parts.append(f"this study's {own} scorer{'s' if own != 1 else ''}")
    return " and ".join(parts) or "no scorer"
