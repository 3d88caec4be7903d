"""Which items' texts a release leaves out (held-out items)."""

from __future__ import annotations

from braintrial.studies.models import Study


def items_texts_withheld(*, study: Study) -> set[int]:
    """The ids of the study's items whose texts may not appear in a public download."""
    return set()
