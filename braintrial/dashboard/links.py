"""What the study page offers besides its charts: download links that follow the page's rules,
the exclusions in words, and the participant link."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse

from braintrial.analysis.rules import RULE_LABELS, ExclusionRules, rules_as_params
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


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def exclusion_sentences(*, report: dict[str, Any]) -> list[str]:
    """What each rule did to this view's numbers, in words (the exclusions chart as text)."""
    people, rules = report["participation"], report["rules"]
    lines = [
        f"Analysed: {_plural(people['included_trials'], 'trial')} of "
        f"{_plural(people['answered_trials'], 'answered trial')}, from "
        f"{_plural(people['included_participants'], 'participant')}."
    ]
    if rules.get("completed_only") and people["unfinished_trials"]:
        lines.append(
            f"Not completed yet: {_plural(people['unfinished_trials'], 'trial')} of participants "
            "still taking part (or who left) are left out until they finish."
        )
    for name, label in RULE_LABELS.items():
        flagged = people["flagged"].get(name, {"participants": 0, "trials": 0})
        counts = (
            f"{_plural(flagged['participants'], 'participant')} "
            f"({_plural(flagged['trials'], 'trial')})"
        )
        if rules.get(name):
            lines.append(f"{label}: removed {counts}.")
        else:
            lines.append(f"{label}: switched off; it would remove {counts}.")
    return lines


def participant_link(*, request: HttpRequest, study: Study) -> str:
    """The absolute address participants open (the host the researcher reached us on)."""
    return request.build_absolute_uri(reverse("participants:landing", args=[study.slug]))
