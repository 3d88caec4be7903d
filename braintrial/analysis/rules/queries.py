"""Q objects generated from the declared reasons: what the exports and the dashboard filter on.

Each function works either under each row's own study settings (``rules=None``: the switches and
the threshold are joined through ``study__exclude_*`` and ``study__min_rt_ms``, as the exports
use them) or under a given ExclusionRules value (as the dashboard toggles them: rules switched
off yield nothing). ``prefix`` is the field path from the queryset's rows to the trial (trial
functions) or to the participant (participant functions).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import Combinable

from braintrial.participants.models import Trial

from .declaration import (
    RULES,
    TRIAL_REASONS,
    UNANSWERED,
    UNFINISHED,
    Rule,
    Scope,
    TrialPaths,
    analysed_condition,
)
from .values import ExclusionRules

M = TypeVar("M", bound=Model)
# A condition no row meets: Q() would mean "every row" once combined with nothing.
NO_ROW = Q(pk__in=[])


def _variant_flag_q(rule: Rule, *, on: str, variant: str | None) -> Q:
    """The rule's stored flag on ``on`` (a participant path); with a Variant, the flag the
    chosen setting value names, or (``variant`` None) the one each row's study chooses."""
    if rule.variant is None:
        return Q(**{f"{on}{rule.flag}": True})
    if variant is not None:
        return Q(**{f"{on}{rule.variant.flags[variant]}": True})
    return reasons_any(
        (value, Q(**{f"{on}study__{rule.variant.setting}": value, f"{on}{flag}": True}))
        for value, flag in rule.variant.flags.items()
    )


def rule_flagged_q(
    rule: Rule,
    *,
    participant: str,
    trial: str | None = None,
    threshold: Combinable | None = None,
    variant: str | None = None,
) -> Q:
    """Rows the rule flags, whether or not it is switched on.

    ``participant`` / ``trial``: paths to the participant and the trial (``trial`` None for a
    Participant queryset, where only participant rules apply). ``threshold``: the value a
    thresholded rule compares with (e.g. ``F("participant__study__min_rt_ms")``). ``variant``:
    the value of a rule's Variant setting (None: each row's study setting).
    """
    if rule.level == "participant":
        return _variant_flag_q(rule, on=participant, variant=variant)
    if trial is None:
        raise ValueError(f"The trial rule {rule.name!r} cannot flag participants.")
    if rule.threshold is None:
        return Q(**{f"{trial}{rule.flag}": True})
    if threshold is None:
        raise ValueError(f"The rule {rule.name!r} needs its threshold.")
    measure = f"{trial}{rule.threshold.measure}"
    return rule.threshold.below_q(measure=measure, threshold=threshold) | Q(
        **{f"{measure}__isnull": True, f"{trial}{rule.flag}": True}
    )


def _threshold(rule: Rule, *, study: str, rules: ExclusionRules | None) -> Combinable | None:
    """What a thresholded rule compares with: the row's study setting, or the value in ``rules``."""
    if rule.threshold is None:
        return None
    if rules is None:
        return F(f"{study}{rule.threshold.setting}")
    return Value(getattr(rules, rule.threshold.setting))


def _rule_q(
    rule: Rule, *, participant: str, trial: str | None, study: str, rules: ExclusionRules | None
) -> Q | None:
    """The rule as it excludes: flagged and switched on; None where ``rules`` switch it off."""
    threshold = _threshold(rule, study=study, rules=rules)
    variant = getattr(rules, rule.variant.setting) if rule.variant and rules else None
    flagged = rule_flagged_q(
        rule, participant=participant, trial=trial, threshold=threshold, variant=variant
    )
    if rules is None:
        return Q(**{f"{study}{rule.setting}": True}) & flagged
    return flagged if getattr(rules, rule.switch) else None


def participant_rule_reasons(
    *, rules: ExclusionRules | None = None, prefix: str = ""
) -> Iterator[tuple[str, Q]]:
    """(rule name, Q) for the participant rules, over a Participant queryset."""
    for rule in RULES:
        if rule.level != "participant":
            continue
        q = _rule_q(rule, participant=prefix, trial=None, study=f"{prefix}study__", rules=rules)
        if q is not None:
            yield rule.name, q


def trial_rule_reasons(
    *, rules: ExclusionRules | None = None, prefix: str = ""
) -> Iterator[tuple[str, Q]]:
    """(rule name, Q) for every rule, over a Trial queryset (participant rules through the
    trial's participant)."""
    on = TrialPaths(trial=prefix)
    for rule in RULES:
        q = _rule_q(rule, participant=on.participant, trial=on.trial, study=on.study, rules=rules)
        if q is not None:
            yield rule.name, q


def trial_exclusion_reasons(
    *, rules: ExclusionRules | None = None, prefix: str = ""
) -> list[tuple[str, Q]]:
    """Every reason a trial is left out, scope and rules, in the order of trials.csv's
    excluded_by; under ``rules``, 'unfinished' only with ``completed_only``."""
    by_rule = dict(trial_rule_reasons(rules=rules, prefix=prefix))
    on = TrialPaths(trial=prefix)
    reasons = []
    for reason in TRIAL_REASONS:
        if isinstance(reason, Scope):
            if rules is None or reason.switch is None or getattr(rules, reason.switch):
                reasons.append((reason.name, reason.condition(on)))
        elif reason.name in by_rule:
            reasons.append((reason.name, by_rule[reason.name]))
    return reasons


def reasons_any(reasons: Iterable[tuple[str, Q]]) -> Q:
    """Rows any of the reasons holds for (no row at all where there is no reason)."""
    combined = NO_ROW
    for _name, condition in reasons:
        combined = condition if combined is NO_ROW else combined | condition
    return combined


def participant_excluded_q(*, rules: ExclusionRules | None = None, prefix: str = "") -> Q:
    """Participants a participant rule removes, over a Participant queryset."""
    return reasons_any(participant_rule_reasons(rules=rules, prefix=prefix))


def trial_included_q(*, rules: ExclusionRules | None = None, prefix: str = "") -> Q:
    """Trials an analysis under ``rules`` counts: loaded (``trial_analysed_q``), answered, and
    left out by no reason (``trial_exclusion_reasons``)."""
    reasons = trial_exclusion_reasons(rules=rules, prefix=prefix)
    return (
        trial_analysed_q(prefix=prefix) & ~trial_unanswered_q(prefix=prefix) & ~reasons_any(reasons)
    )


def participant_analysed_q(*, rules: ExclusionRules | None = None) -> Q:
    """Participants an analysis under ``rules`` draws on: at least one of their trials counts
    (``trial_included_q``), over a Participant queryset.

    The one rule for "analysed participants": the dashboard's "from N participants" and the
    participants file it links to ("what this page analysed") both count these. Someone who
    consented and answered nothing, or whose every answer a rule removes, is not among them.
    """
    counted = Trial.objects.filter(trial_included_q(rules=rules), participant=OuterRef("pk"))
    return Q(Exists(counted))


def trial_flags(*, rules: ExclusionRules, prefix: str = "") -> dict[str, Q]:
    """What each switchable reason flags, over a Trial queryset, switched on or not: 'unfinished'
    and every rule, thresholds taken from ``rules``. The analysis loads these as its flags and
    ``ExclusionRules.switched_on`` names those that exclude."""
    on = TrialPaths(trial=prefix)
    flags = {UNFINISHED.name: UNFINISHED.condition(on)}
    for rule in RULES:
        threshold = _threshold(rule, study=on.study, rules=rules)
        variant = getattr(rules, rule.variant.setting) if rule.variant else None
        flags[rule.name] = rule_flagged_q(
            rule, participant=on.participant, trial=on.trial, threshold=threshold, variant=variant
        )
    return flags


def trial_analysed_q(*, prefix: str = "") -> Q:
    """Trials the analysis loads, whatever the rules (see ``declaration.analysed_condition``)."""
    return analysed_condition(TrialPaths(trial=prefix))


def trial_unanswered_q(*, prefix: str = "") -> Q:
    return UNANSWERED.condition(TrialPaths(trial=prefix))


# Annotated reasons are named excluded_<reason>; ``reasons_held`` reads them back in order.
REASON_ANNOTATION = "excluded_"


def reasons_annotate(queryset: QuerySet[M], *, reasons: list[tuple[str, Q]]) -> QuerySet[M]:
    """One boolean per reason on every row, so that a row can say why it is left out (the
    API's ``excluded_by``) with the same conditions the exports and the dashboard use."""
    return queryset.annotate(
        **{
            f"{REASON_ANNOTATION}{name}": ExpressionWrapper(condition, output_field=BooleanField())
            for name, condition in reasons
        }
    )


def reasons_held(row: object, *, names: Iterable[str]) -> list[str]:
    """The reasons that hold for a row annotated by ``reasons_annotate``, in declared order."""
    return [name for name in names if getattr(row, f"{REASON_ANNOTATION}{name}", False)]
