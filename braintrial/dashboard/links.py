"""What the study page offers besides its charts: download links that follow the page's rules
and the participant link."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse

from braintrial.analysis.rules import ExclusionRules, rules_as_params
from braintrial.studies.models import Study

# Only these files depend on the exclusion rules; items and scores are the same for every view.
RULED_EXPORTS = ("trials", "participants")
BANK_EXPORTS = ("items", "scores")


@dataclass(frozen=True)
class ExportLink:
    name: str
    url: str


def export_links(*, study: Study, rules: ExclusionRules) -> dict[str, Any]:
    """The download links of the study page under ``rules`` (the rules the page shows).

    ``analysed``: the rows the dashboard analysed (its rule switches travel in the link);
    ``everything``: every row, with excluded/excluded_by under the same rules; ``bank``: items
    and scores; ``dictionary``: where each column is explained.
    """
    params = dict(rules_as_params(study=study, rules=rules))

    def link(name: str, extra: dict[str, str]) -> ExportLink:
        query = urlencode({**params, **extra})
        url = reverse("exports:study_csv", kwargs={"slug": study.slug, "kind": name})
        return ExportLink(name=f"{name}.csv", url=f"{url}?{query}" if query else url)

    return {
        "analysed": [link(name, {}) for name in RULED_EXPORTS],
        "everything": [link(name, {"include_excluded": "1"}) for name in RULED_EXPORTS],
        "bank": [link(name, {}) for name in BANK_EXPORTS],
        "dictionary": reverse("exports:dictionary"),
        "custom": bool(params),
    }


def participant_link(*, request: HttpRequest, study: Study) -> str:
    """The absolute address participants open (the host the researcher reached us on)."""
    return request.build_absolute_uri(reverse("participants:landing", args=[study.slug]))
