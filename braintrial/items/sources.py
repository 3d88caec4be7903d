"""Which item sources fill which of a study's quotas: the one rule.

A study asks each participant for two kinds of test cases (``Study.n_human_trials`` and
``Study.n_gpt4_trials``): written by people, and written by a language model. The paper's
GPT-4 cases were drafted by GPT-4 and checked by people, which is exactly what a model-drafted
case of the item workbench is (``Item.Source.LLM``), so both fill the machine-written quota.
The quota keeps the key ``"gpt4"`` the published study, its report and the API have always
used; its label names the sources a bank actually holds, and every export and item list still
names each item's own source.

The assignment (which items fill which quota), the readiness (how many a bank can serve per
quota), the analysis (which figures an item counts in) and the trials export's published
``human_``/``machine_`` section labels all read this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from django.db.models import Q

from braintrial.items.models import Item

QuotaKey = Literal["human", "gpt4"]
HUMAN_QUOTA: QuotaKey = "human"
MACHINE_QUOTA: QuotaKey = "gpt4"
QUOTAS: tuple[QuotaKey, ...] = (HUMAN_QUOTA, MACHINE_QUOTA)

QUOTA_SOURCES: dict[QuotaKey, tuple[str, ...]] = {
    HUMAN_QUOTA: (Item.Source.HUMAN.value,),
    MACHINE_QUOTA: (Item.Source.GPT4.value, Item.Source.LLM.value),
}

# Each source in words, as a quota's label joins them.
SOURCE_WORDS: dict[str, str] = {
    Item.Source.HUMAN.value: "human-written",
    Item.Source.GPT4.value: "GPT-4-written",
    Item.Source.LLM.value: "model-drafted",
}


def source_quota(source: str) -> QuotaKey:
    """The quota an item of ``source`` fills. Raises KeyError on a source no quota takes."""
    for quota, sources in QUOTA_SOURCES.items():
        if source in sources:
            return quota
    raise KeyError(f"No study quota takes items of source {source!r}.")


def quota_q(quota: QuotaKey, prefix: str = "") -> Q:
    """The items of ``quota``, as a filter (``prefix`` for a relation: ``"item__"``)."""
    return Q(**{f"{prefix}source__in": QUOTA_SOURCES[quota]})


def quota_label(quota: str, sources: Iterable[str] | None = None) -> str:
    """A quota in words, naming the sources among ``sources`` it holds: "GPT-4-written" for
    the published set, "model-drafted" for a workbench bank, "machine-written (GPT-4-written
    and model-drafted)" for both. Without ``sources`` (or none of the quota's), the quota's
    first source names it, as the published study always has."""
    if quota not in QUOTA_SOURCES:
        return quota
    own = QUOTA_SOURCES[quota]  # type: ignore[index]
    held = [source for source in own if source in set(sources or ())] or [own[0]]
    if len(held) == 1:
        return SOURCE_WORDS[held[0]]
    return f"machine-written ({' and '.join(SOURCE_WORDS[s] for s in held)})"
