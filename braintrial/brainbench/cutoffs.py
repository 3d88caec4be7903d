"""The training-data cut-offs the makers of the published models state, with where.

published_models.csv gives each public model's release month; where a maker also states when
its training data end, that date is set on the scorer (scoring.cutoffs takes the release month
for the others, and says so). The paper's own fine-tunes and from-scratch models state none and
were never released: their cut-off is unknown.
"""

from __future__ import annotations

import datetime as dt

_LLAMA2 = (
    dt.date(2022, 9, 1),
    dt.date(2022, 9, 30),
    "the Llama 2 model card (Data Freshness): pretraining data up to September 2022; some "
    "tuning data is more recent, up to July 2023",
)

# model (as in published_model_scores.csv) -> (first day, last day, where it is stated)
STATED_CUTOFFS: dict[str, tuple[dt.date, dt.date, str]] = {
    **{
        f"meta-llama/Llama-2-{size}-{variant}": _LLAMA2
        for size in ("7b", "13b", "70b")
        for variant in ("hf", "chat-hf")
    },
    "microsoft/Phi-3-mini-4k-instruct": (
        dt.date(2023, 10, 1),
        dt.date(2023, 10, 31),
        "the Phi-3-mini model card: an offline dataset with a cut-off of October 2023 for "
        "publicly available data",
    ),
    "gpt2": (
        dt.date(2017, 12, 1),
        dt.date(2017, 12, 31),
        "the GPT-2 paper (Radford et al. 2019, WebText): no links created after December 2017",
    ),
}


def stated_cutoff_fields(*, model: str) -> dict[str, object]:
    """The Scorer cut-off fields of a published model: its stated cut-off, else empty."""
    stated = STATED_CUTOFFS.get(model)
    if stated is None:
        return {"cutoff_first": None, "cutoff_last": None, "cutoff_source": ""}
    first, last, source = stated
    return {"cutoff_first": first, "cutoff_last": last, "cutoff_source": source}
