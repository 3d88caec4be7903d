"""Validation of what researchers send: exclusion-rule toggles (GET) and run starts (POST)."""

from __future__ import annotations

import dataclasses
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from braintrial.analysis.rules import RULE_LABELS, RULE_NAMES, ExclusionRules, rules_parse
from braintrial.dashboard.charts.common import SOURCE_LABELS
from braintrial.studies.models import Study
from scoring.selectors import scorers_runnable

SOURCE_PARAM = "items"


@dataclasses.dataclass(frozen=True)
class RuleToggle:
    name: str
    label: str
    active: bool
    study_default: bool


def source_from_query(*, query: QueryDict) -> str:
    """Which items the charts show: ?items=human (default, the paper's headline), gpt4 or all."""
    source = query.get(SOURCE_PARAM) or "human"
    if source not in SOURCE_LABELS:
        raise forms.ValidationError(
            f"'{SOURCE_PARAM}' must be one of {', '.join(SOURCE_LABELS)}, not {source!r}."
        )
    return source


def rules_from_query(*, study: Study, query: QueryDict) -> tuple[ExclusionRules, list[RuleToggle]]:
    """The exclusion rules the page asks for (``rules_parse``, which the CSV links use too), and
    the toggles to draw. Raises forms.ValidationError on a value it does not understand."""
    defaults = ExclusionRules.from_study(study)
    rules = rules_parse(study=study, query=query)
    toggles = [
        RuleToggle(
            name=name,
            label=RULE_LABELS[name],
            active=getattr(rules, name),
            study_default=getattr(defaults, name),
        )
        for name in RULE_NAMES
    ]
    return rules, toggles


class ScoreRunStartForm(forms.Form):
    scorer = forms.ModelChoiceField(
        queryset=scorers_runnable(),
        to_field_name="name",
        error_messages={
            "invalid_choice": "Pick one of the scorers listed; published scorers cannot run.",
            "required": "Pick a scorer to run.",
        },
    )


class ResearcherWithdrawForm(forms.Form):
    """Withdraw a participant who asked for it: by recruitment id or by withdrawal reference,
    with the reason that the audit trail keeps."""

    recruitment_id = forms.CharField(
        label="Recruitment id (PROLIFIC_PID or pid)", required=False, max_length=128, strip=True
    )
    reference = forms.CharField(
        label="or withdrawal reference", required=False, max_length=40, strip=True
    )
    reason = forms.CharField(
        label="Reason (kept in the audit log: no names or addresses)",
        max_length=500,
        widget=forms.TextInput,
        strip=True,
    )
    confirm = forms.BooleanField(
        label="I understand that the participant's answers and personal data are erased for good."
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if bool(cleaned.get("recruitment_id")) == bool(cleaned.get("reference")):
            raise ValidationError("Give either the recruitment id or the withdrawal reference.")
        return cleaned
