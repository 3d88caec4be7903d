"""The paper's human figures beyond the headline: per subfield and by expertise.

Facts from the authors' analysis code (brainbench_results: accuracy_by_subfields.py): per
journal section, the humans' accuracy over its trials, the top-20% humans are the trials with
expertise at or above the section's 80th percentile (linear interpolation), and the LLM figure
is the mean over the paper's LLMs of their accuracy on the section's items.
"""

from __future__ import annotations

import numpy as np

from ..stats import accuracy, rounded
from ..types import Subfield
from .data import ModelScores

TOP_PERCENTILE = 80


def by_subfield(
    *,
    section: np.ndarray,
    labels: list[str],
    trial_section: np.ndarray,
    correct: np.ndarray,
    expertise: np.ndarray,
    models: ModelScores,
    rows: np.ndarray,
) -> dict[str, Subfield]:
    """Per section label: humans, top-20% humans and the mean paper LLM.

    ``section``: section index per item index; ``rows``: the item indexes of the source;
    ``trial_section``, ``correct``, ``expertise``: per included trial of the source.
    """
    columns = models.paper_llms()
    out: dict[str, Subfield] = {}
    for code, label in enumerate(labels):
        in_trials = trial_section == code
        items = rows[section[rows] == code]
        if not in_trials.any() and not items.size:
            continue
        rated = in_trials & (expertise >= 1)
        top = np.zeros_like(rated)
        if rated.any():
            top = rated & (expertise >= np.percentile(expertise[rated], TOP_PERCENTILE))
        llm = [
            float(np.mean(d[~np.isnan(d)] > 0))
            for d in (models.difficulty[items, j] for j in columns)
            if (~np.isnan(d)).any()
        ]
        out[label] = {
            "n_items": int(items.size),
            "humans": accuracy(correct[in_trials]),
            "top_humans": accuracy(correct[top]),
            "mean_llm": rounded(float(np.mean(llm))) if llm else None,
            "n_llms": len(llm),
        }
    return out
