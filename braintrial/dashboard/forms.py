"""Validation of what researchers send: exclusion-rule toggles (GET) and run starts (POST)."""

from __future__ import annotations

import dataclasses

from django import forms
from django.http import QueryDict

from braintrial.analysis.rules import RULE_LABELS, RULE_NAMES, ExclusionRules
from braintrial.dashboard.charts.common import SOURCE_LABELS
from braintrial.studies.models import Study
from scoring.selectors import scorers_runnable

# GET ?rules=custom marks that the checkboxes were sent: an unchecked box is simply absent, so
# without the marker "all rules off" could not be told apart from "the study's own rules".
RULES_MARKER = "rules"
SOURCE_PARAM = "items"
TRUE_VALUES = {"on", "1", "true"}
FALSE_VALUES = {"off", "0", "false"}


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
    """The exclusion rules the page asks for, and the toggles to draw.

    Without ``rules=custom`` the study's own rules apply. With it, each boolean rule is on
    exactly when its checkbox value is sent. Raises forms.ValidationError on any other value.
    """
    defaults = ExclusionRules.from_study(study)
    marker = query.get(RULES_MARKER)
    if marker not in (None, "", "study", "custom"):
        raise forms.ValidationError(f"'{RULES_MARKER}' must be 'custom' or 'study'.")
    changes: dict[str, bool] = {}
    if marker == "custom":
        for name in RULE_NAMES:
            values = query.getlist(name)
            if len(values) > 1:
                raise forms.ValidationError(f"'{name}' was sent more than once.")
            value = values[0].strip().lower() if values else "off"
            if value not in TRUE_VALUES | FALSE_VALUES:
                raise forms.ValidationError(f"'{name}' must be 'on' or 'off', not {value!r}.")
            changes[name] = value in TRUE_VALUES
    rules = defaults.with_toggles(**changes)
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
