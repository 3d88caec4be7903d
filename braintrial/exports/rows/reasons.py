"""The columns that say why a row is left out, under the study's settings or a dashboard view's
rules: one definition for the file's default columns and for a link from the dashboard."""

from __future__ import annotations

from django.db.models import Q

from braintrial.analysis.rules import (
    RULE_NAMES,
    ExclusionRules,
    participant_analysed_q,
    participant_rule_reasons,
    trial_exclusion_reasons,
)
from braintrial.exports.expressions import any_reason, flag_cell, reasons_cell
from braintrial.exports.rows.base import Column


def trial_reason_columns(reasons: list[tuple[str, Q]], *, under: str) -> list[Column]:
    """excluded and excluded_by under ``reasons`` (the study's settings or a dashboard view's)."""
    return [
        Column(
            "excluded",
            flag_cell(any_reason(reasons)),
            f"1 if an analysis under {under} leaves this trial out (see excluded_by), else 0.",
            "0/1",
        ),
        Column(
            "excluded_by",
            reasons_cell(reasons),
            f"Why, ';'-separated, in this order: {', '.join(name for name, _ in reasons)}. "
            "unfinished: the participant has not completed; not_in_bank: a test trial on an item "
            "outside the study's bank; upheld_item: a test case of which a researcher upheld a "
            "challenge, where the study leaves those out; fast: rt below the study's current "
            "min_rt_ms (flag_fast "
            f"where there is no rt). The rules ({', '.join(RULE_NAMES)}) count only where the "
            "study switches them on.",
            "text",
        ),
    ]


def trial_reasons_under(rules: ExclusionRules) -> list[Column]:
    return trial_reason_columns(trial_exclusion_reasons(rules=rules), under="the dashboard's rules")


def participant_reason_columns(
    reasons: list[tuple[str, Q]], *, rules: ExclusionRules | None, under: str
) -> list[Column]:
    """analysed, excluded and excluded_by under ``reasons`` and ``rules`` (the study's settings,
    None, or a dashboard view's)."""
    return [
        Column(
            "analysed",
            flag_cell(participant_analysed_q(rules=rules)),
            f"1 if at least one answered test trial of this participant survives the analysis "
            f"under {under} (the dashboard's 'from N participants'), else 0: e.g. 0 for someone "
            "who consented and answered nothing, or has not completed yet.",
            "0/1",
        ),
        Column(
            "excluded",
            flag_cell(any_reason(reasons)),
            f"1 if an exclusion rule under {under} removes this participant (see excluded_by), "
            "else 0.",
            "0/1",
        ),
        Column(
            "excluded_by",
            reasons_cell(reasons),
            "Why, ';'-separated: the participant rules the study switches on and the participant "
            f"is flagged by ({', '.join(name for name, _ in reasons)}).",
        ),
    ]


def participant_reasons_under(rules: ExclusionRules) -> list[Column]:
    reasons = list(participant_rule_reasons(rules=rules))
    return participant_reason_columns(reasons, rules=rules, under="the dashboard's rules")
