"""Item-difficulty agreement as the paper computes it.

Facts from the authors' analysis code (brainbench_results: error_correlation_human_vs_machine.py):
a model's difficulty of an item is PPL_altered - PPL_original (the raw difference); the humans'
is the item's proportion correct over its trials; Spearman over the items between every pair of
models and between the humans and each model; the means and (population) standard deviations
ignore NaN (a constant column).
"""

from __future__ import annotations

import numpy as np

from ..stats import rounded, spearman_matrix
from ..types import PaperAgreement
from .data import ModelScores

DIFFICULTIES = ("raw", "log_ratio")


def human_difficulty(
    *, item: np.ndarray, correct: np.ndarray, n_items: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per item index: proportion correct of the given trials, and how many trials."""
    answered = np.bincount(item, minlength=n_items)
    hits = np.bincount(item, weights=correct.astype(np.float64), minlength=n_items)
    with np.errstate(invalid="ignore", divide="ignore"):
        return hits / answered, answered


def _mean_sd(values: np.ndarray) -> tuple[float | None, float | None]:
    values = values[~np.isnan(values)]
    if not values.size:
        return None, None
    return rounded(float(values.mean())), rounded(float(values.std()))


def agreement(
    *,
    models: ModelScores,
    human: np.ndarray,
    rows: np.ndarray,
    columns: list[int],
    difficulty: str = "raw",
) -> PaperAgreement:
    """Spearman agreement over the item indexes ``rows`` between the humans (``human``: per
    item proportion correct) and the model ``columns``.

    ``difficulty``: "raw" (the paper's PPL difference) or "log_ratio" (an option, labelled as
    such wherever shown). Rows where the humans or any of the columns lack a value drop out.
    """
    values = models.difficulty if difficulty == "raw" else models.log_ratio
    table = np.column_stack(
        [human[rows], values[np.ix_(rows, np.asarray(columns, dtype=np.int64))]]
    )
    table = table[~np.isnan(table).any(axis=1)]
    matrix = spearman_matrix(table)
    k = len(columns)
    between = matrix[1:, 1:][np.tril_indices(k, -1)]
    humans = matrix[0, 1:]
    mean_mm, sd_mm = _mean_sd(between)
    mean_hm, sd_hm = _mean_sd(humans)
    names = [models.scorers[j]["name"] for j in columns]
    return {
        "difficulty": difficulty,
        "n_items": int(table.shape[0]),
        "n_models": k,
        "scorers": names,
        "model_model": {"mean": mean_mm, "sd": sd_mm, "n_pairs": int(between.size)},
        "human_model": {"mean": mean_hm, "sd": sd_hm},
        "human_by_model": {n: rounded(float(r)) for n, r in zip(names, humans, strict=True)},
    }
