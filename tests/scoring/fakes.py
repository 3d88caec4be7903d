"""A fake scoring engine: deterministic NLLs computed from the text, no torch, no model files.

Service tests use it through the ``fake_engine`` fixture (tests/scoring/conftest.py); worker
and command subprocesses get it from tests/scoring/launch.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from scoring.engine.config import PairScore, VersionScore
from scoring.models import Scorer
from scoring.services import engines


def fake_version_score(text: str) -> VersionScore:
    """One token per word plus a BOS; each word costs 0.5 nats per letter of it, modulo 7, plus
    one: the same text always scores the same, different texts almost always differently."""
    words = text.split()
    nll_sum = sum(1.0 + 0.5 * (len(word) % 7) for word in words)
    return VersionScore.from_sum(n_tokens=len(words) + 1, nll_sum=nll_sum)


class FakeEngine:
    """Stands in for a loaded model (scoring.services.engines.ScoringEngine).

    ``delay_s`` pauses before each item (a slow model, to cancel or kill mid-run); ``error``, when
    set, is raised instead of scoring (a model that cannot load or runs out of memory).
    """

    device_name = "fake device"
    batch_size = 4

    def __init__(self, *, delay_s: float = 0.0, error: Exception | None = None) -> None:
        self.delay_s = delay_s
        self.error = error
        self.scored: list[tuple[str, str]] = []

    def score_pairs(
        self,
        pairs: Sequence[tuple[str, str]],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> list[PairScore]:
        if self.error is not None:
            raise self.error
        results = []
        for done, (original, altered) in enumerate(pairs, start=1):
            if self.delay_s:
                time.sleep(self.delay_s)
            results.append(
                PairScore(
                    original=fake_version_score(original), altered=fake_version_score(altered)
                )
            )
            self.scored.append((original, altered))
            if progress is not None:
                progress(done)
        return results


def fake_engine_install(engine: FakeEngine) -> Callable[..., engines.ScoringEngine]:
    """Make every scorer load ``engine`` in this process; returns the loader it replaced."""
    replaced = engines.scorer_engine_load

    def load(*, scorer: Scorer) -> engines.ScoringEngine:
        return engine

    engines.scorer_engine_load = load
    return replaced
