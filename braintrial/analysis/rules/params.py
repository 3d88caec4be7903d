"""The exclusion rules as query parameters: the one parser the dashboard and the CSV links share.

A dashboard URL and a CSV link built from it carry the same parameters, so the file holds the
rows the page analysed. ``?rules=custom`` marks that the checkboxes were sent: an unchecked box
is simply absent, so without the marker "all rules off" could not be told apart from "the
study's own rules".
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.http import QueryDict

from braintrial.studies.models import Study

from .declaration import RULE_NAMES
from .values import ExclusionRules

RULES_MARKER = "rules"
TRUE_VALUES = {"on", "1", "true"}
FALSE_VALUES = {"off", "0", "false"}


def rules_parse(*, study: Study, query: QueryDict) -> ExclusionRules:
    """The exclusion rules ``query`` asks for, relative to the study's own.

    Without ``rules=custom`` the study's own rules apply. With it, each boolean rule is on
    exactly when its value is sent as on/1/true. Raises ValidationError on any other value.
    """
    defaults = ExclusionRules.from_study(study)
    marker = query.get(RULES_MARKER)
    if marker not in (None, "", "study", "custom"):
        raise ValidationError(f"'{RULES_MARKER}' must be 'custom' or 'study'.")
    if marker != "custom":
        return defaults
    changes: dict[str, bool] = {}
    for name in RULE_NAMES:
        values = query.getlist(name)
        if len(values) > 1:
            raise ValidationError(f"'{name}' was sent more than once.")
        value = values[0].strip().lower() if values else "off"
        if value not in TRUE_VALUES | FALSE_VALUES:
            raise ValidationError(f"'{name}' must be 'on' or 'off', not {value[:40]!r}.")
        changes[name] = value in TRUE_VALUES
    return defaults.with_toggles(**changes)


def rules_as_params(*, study: Study, rules: ExclusionRules) -> Mapping[str, str]:
    """The parameters ``rules_parse`` reads back as ``rules``: none where they are the study's
    own, so that a plain link keeps following the study's settings."""
    if rules == ExclusionRules.from_study(study):
        return {}
    params = {RULES_MARKER: "custom"}
    params.update({name: "on" for name in RULE_NAMES if getattr(rules, name)})
    return params
