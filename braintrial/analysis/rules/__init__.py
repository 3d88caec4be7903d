"""Exclusion rules: each declared once (``declaration``), switched by ``ExclusionRules``
(``values``), turned into database filters (``queries``) and numpy flags (``analysis.data``)."""

from __future__ import annotations

from .declaration import (
    PARTICIPANT_FLAGS,
    PARTICIPANT_RULES,
    RULE_LABELS,
    RULE_NAMES,
    RULES,
    RULES_BY_NAME,
    TRIAL_FLAGS,
    TRIAL_RULES,
    Rule,
    Scope,
)
from .params import RULES_MARKER, rules_as_params, rules_parse
from .queries import (
    participant_analysed_q,
    participant_excluded_q,
    participant_rule_reasons,
    reasons_annotate,
    reasons_any,
    reasons_held,
    rule_flagged_q,
    trial_analysed_q,
    trial_exclusion_reasons,
    trial_flags,
    trial_included_q,
    trial_rule_reasons,
    trial_unanswered_q,
)
from .values import ExclusionRules

__all__ = [
    "PARTICIPANT_FLAGS",
    "PARTICIPANT_RULES",
    "RULES",
    "RULES_BY_NAME",
    "RULES_MARKER",
    "RULE_LABELS",
    "RULE_NAMES",
    "TRIAL_FLAGS",
    "TRIAL_RULES",
    "ExclusionRules",
    "Rule",
    "Scope",
    "participant_analysed_q",
    "participant_excluded_q",
    "participant_rule_reasons",
    "reasons_annotate",
    "reasons_any",
    "reasons_held",
    "rule_flagged_q",
    "rules_as_params",
    "rules_parse",
    "trial_analysed_q",
    "trial_exclusion_reasons",
    "trial_flags",
    "trial_included_q",
    "trial_rule_reasons",
    "trial_unanswered_q",
]
