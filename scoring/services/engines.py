"""Where scoring gets a loaded model: the one seam between the run services and the engine.

Everything the chunk service needs from a model is the ``ScoringEngine`` protocol; the real
one is the engine's process-wide ``LoadedScorer``. Tests put a fake engine in place of
``scorer_engine_load`` (tests/scoring/fakes.py), so the run services can be tested without
torch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import metadata
from typing import Protocol

from scoring.engine.config import PairScore
from scoring.models import Scorer
from scoring.services.scorers import scorer_engine_config


class ScoringEngine(Protocol):
    device_name: str
    batch_size: int

    def score_pairs(
        self,
        pairs: Sequence[tuple[str, str]],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> list[PairScore]: ...


def scorer_engine_load(*, scorer: Scorer) -> ScoringEngine:
    """The loaded model for the scorer's configuration (kept per process once loaded).

    Raises the engine's ScorerConfigError, OSError or an out-of-memory error when the model
    cannot be loaded.
    """
    from scoring.engine import get_scorer

    engine: ScoringEngine = get_scorer(scorer_engine_config(scorer=scorer))
    return engine


def scorer_generate(*, scorer: Scorer, prompt: str, max_new_tokens: int) -> str:
    """The scorer's model's greedy continuation of ``prompt`` (scoring.engine.generation), on
    the process-wide loaded model. Raises what ``scorer_engine_load`` raises, and ValueError
    when the prompt is too long for the model."""
    from scoring.engine.generation import generate_greedy

    return generate_greedy(
        scorer_engine_config(scorer=scorer), prompt, max_new_tokens=max_new_tokens
    )


def scorer_weights_checksum(*, scorer: Scorer) -> str:
    """sha256 of the scorer's local checkpoint files (see scoring.engine.weights), "" for a
    Hugging Face id. Cached per process by each file's path, size and mtime; raises OSError
    when a file cannot be read."""
    from scoring.engine.weights import weights_checksum

    return weights_checksum(scorer_engine_config(scorer=scorer))


def engine_library_versions() -> tuple[str, str]:
    """Installed torch and transformers versions, read from the package metadata so that
    recording them never imports torch; empty where a package is missing."""

    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return ""

    return version("torch"), version("transformers")
