"""The published-model arrays the paper's analyses need beyond analysis.data.Scores.

Perplexities of both versions and the compressed prompt length per item and scorer, and what
each scorer's model is (its family, size, kind, base model, paper LLM). A separate read so that
``scores_load`` stays the one place deciding which scorers count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring.models import Scorer
from scoring.selectors import scores_valid

from ..data import Items, Scores
from ..types import PaperScorer, ScorerInfo


@dataclass(frozen=True)
class ModelScores:
    """Arrays (item index x scorer, scorers as in Scores.scorers), NaN where not scored."""

    scorers: list[PaperScorer]  # Scores.scorers plus the model's description
    ppl_original: np.ndarray
    ppl_altered: np.ndarray
    zlib_original: np.ndarray  # bytes of the zlib-compressed original prompt

    @property
    def difficulty(self) -> np.ndarray:
        """The paper's item difficulty for a model: PPL_altered - PPL_original (raw; smaller
        = harder, > 0 = correct)."""
        return self.ppl_altered - self.ppl_original

    @property
    def log_ratio(self) -> np.ndarray:
        """ln PPL_altered - ln PPL_original: the scale-free alternative (> 0 = correct)."""
        return np.log(self.ppl_altered) - np.log(self.ppl_original)

    def paper_llms(self) -> list[int]:
        """Columns of the paper's 15 general-purpose LLMs (in Scores order)."""
        return [j for j, scorer in enumerate(self.scorers) if scorer["paper_llm"]]

    def column(self, *, model_source: str) -> int | None:
        """The column of the scorer of ``model_source`` (a Hugging Face id or the authors'
        name), or None when that model is not among the scorers."""
        for j, scorer in enumerate(self.scorers):
            if scorer["model_source"] == model_source:
                return j
        return None


_DESCRIPTION = ("model_source", "family", "params_b", "kind", "base_model", "released", "paper_llm")


def model_scores_load(*, items: Items, scores: Scores) -> ModelScores:
    """Perplexities and zlib lengths of the scorers that count (``scores.scorers``), from their
    valid scores only (``scoring.selectors.score_valid_q``), as ``scores_load`` reads them."""
    column = {scorer["id"]: j for j, scorer in enumerate(scores.scorers)}
    described = {
        row["id"]: row
        for row in Scorer.objects.filter(pk__in=list(column)).values("id", *_DESCRIPTION)
    }
    shape = (items.ids.size, len(column))
    arrays = {name: np.full(shape, np.nan) for name in ("original", "altered", "zlib")}
    rows = list(
        scores_valid()
        .filter(scorer_id__in=list(column), item_id__in=items.ids.tolist())
        .order_by()
        .values_list("scorer_id", "item_id", "ppl_original", "ppl_altered", "zlib_length_original")
    )
    if rows:
        cols = np.array([column[r[0]] for r in rows])
        at = items.index_of(np.array([r[1] for r in rows], dtype=np.int64))
        arrays["original"][at, cols] = [r[2] for r in rows]
        arrays["altered"][at, cols] = [r[3] for r in rows]
        arrays["zlib"][at, cols] = [np.nan if r[4] is None else r[4] for r in rows]
    return ModelScores(
        scorers=[_described(scorer, described[scorer["id"]]) for scorer in scores.scorers],
        ppl_original=arrays["original"],
        ppl_altered=arrays["altered"],
        zlib_original=arrays["zlib"],
    )


def _described(scorer: ScorerInfo, row: dict[str, Any]) -> PaperScorer:
    """``scorer`` with the _DESCRIPTION fields of its Scorer row."""
    return {
        **scorer,
        "model_source": row["model_source"],
        "family": row["family"],
        "params_b": row["params_b"],
        "kind": row["kind"],
        "base_model": row["base_model"],
        "released": row["released"],
        "paper_llm": row["paper_llm"],
    }
