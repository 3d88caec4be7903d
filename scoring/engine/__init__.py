"""The scoring engine: pure Python + torch + transformers, no Django.

Scores BrainBench items exactly as the paper defines it (see config.VersionScore) with a fast
path (batched, prefix-shared) proven equal to the paper's plain loop by tests/scoring/engine.
"""

from __future__ import annotations

import importlib
from typing import Any

from scoring.engine.config import (
    TEMPLATE_SLOT,
    PairScore,
    ScorerConfig,
    ScorerConfigError,
    ScorerOutOfMemoryError,
    VersionScore,
    render_prompt,
    smollm2_config,
    smollm2_gguf_path,
)

# torch is imported only when a loader or the scorer is first used, so that web processes
# importing the configuration and result types stay light.
_LAZY = {
    "clear_scorer_cache": "scoring.engine.loading",
    "get_scorer": "scoring.engine.loading",
    "load_scorer": "scoring.engine.loading",
    "LoadedScorer": "scoring.engine.scorer",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "TEMPLATE_SLOT",
    "LoadedScorer",
    "PairScore",
    "ScorerConfig",
    "ScorerConfigError",
    "ScorerOutOfMemoryError",
    "VersionScore",
    "clear_scorer_cache",
    "get_scorer",
    "load_scorer",
    "render_prompt",
    "smollm2_config",
    "smollm2_gguf_path",
]
