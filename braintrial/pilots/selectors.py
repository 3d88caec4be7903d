"""What a pilot run reads back from the database after the bots are done."""

from __future__ import annotations

from braintrial.items.models import Item
from braintrial.participants.selectors import exposure_counts
from braintrial.studies.models import Study


def exposure_by_source(*, study: Study) -> dict[str, tuple[int, int, int]]:
    """Per item source: (number of test items, lowest and highest exposure count)."""
    counts = exposure_counts(study=study)
    sources = dict(Item.objects.filter(pk__in=counts).values_list("pk", "source"))
    by_source: dict[str, list[int]] = {}
    for item_id, n in counts.items():
        by_source.setdefault(sources[item_id], []).append(n)
    return {src: (len(ns), min(ns), max(ns)) for src, ns in sorted(by_source.items())}
