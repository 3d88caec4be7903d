"""Why a trial or a participant is left out of an analysis, each reason declared once.

Two kinds of reason:

* **Rules** are the researcher's exclusion rules: a Study field switches each on, a stored flag
  (or, for ``fast``, a measurement below a ``Threshold``) says whom it flags, and the dashboard
  can switch it off to show its effect. Participant rules drop every trial of a flagged
  participant; trial rules drop single trials. Every flag is computed in ``participants.flags``,
  which also owns the threshold's comparison.
* **Scope** reasons hold whatever the study says: a trial nobody answered, a practice or catch
  trial, a trial on an item outside the study's bank, and the answers of a participant who has
  not completed (lifted only by ``ExclusionRules.completed_only``).

Everything that filters on them is generated from these declarations: the Q objects of the
exports and the dashboard (``rules.queries``), the switches of ``ExclusionRules``
(``rules.values``) and the flag bits the analysis loads into numpy (``analysis.data``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from django.db.models import Exists, F, OuterRef, Q

from braintrial.items.models import Item
from braintrial.participants.flags import TOO_FAST, Threshold
from braintrial.participants.models import Challenge, Participant

Level = Literal["participant", "trial"]


@dataclass(frozen=True, kw_only=True)
class Variant:
    """A study setting choosing which stored flag a rule reads (each a fact stored for every
    participant, so the choice can be changed, or toggled on the dashboard, after the fact)."""

    setting: str  # Study field, and the ExclusionRules attribute of the same name
    flags: dict[str, str]  # setting value -> flag field


@dataclass(frozen=True, kw_only=True)
class Rule:
    """One exclusion rule. Flagged: the stored flag is set, or, with a threshold, the measure is
    below it (the flag deciding only without a measure); excluded: flagged and switched on."""

    name: str  # also the ExclusionRules switch and the reason written in excluded_by
    label: str  # what the dashboard calls it
    level: Level
    setting: str  # the Study field that switches it on
    flag: str  # the stored flag: a Participant field (participant level) or a Trial field
    threshold: Threshold | None = None
    variant: Variant | None = None

    @property
    def switch(self) -> str:
        return self.name


RULES: tuple[Rule, ...] = (
    Rule(
        name="failed_catch",
        label="Failed catch trials",
        level="participant",
        setting="exclude_failed_catch",
        flag="flag_failed_catch",
        # Which catch failures count: any (default) or every one ("failed both").
        variant=Variant(
            setting="catch_rule",
            flags={"any": "flag_failed_catch", "both": "flag_failed_all_catch"},
        ),
    ),
    Rule(
        name="no_slider",
        label="Never moved the sliders",
        level="participant",
        setting="exclude_no_slider",
        flag="flag_no_slider",
    ),
    Rule(
        name="outside_help",
        label="Reported outside help",
        level="participant",
        setting="exclude_outside_help",
        flag="flag_outside_help",
    ),
    Rule(
        name="outside_help_trial",
        label="Outside help on the trial",
        level="trial",
        # One setting for both: outside help excludes wherever the study asked about it.
        setting="exclude_outside_help",
        flag="flag_outside_help",
    ),
    Rule(
        name="recognised",
        label="Recognised the paper",
        level="trial",
        setting="exclude_recognised",
        flag="flag_recognised",
    ),
    Rule(
        name="fast",
        label="Answered too fast",
        level="trial",
        setting="exclude_fast",
        flag="flag_fast",
        threshold=TOO_FAST,  # the threshold and its comparison: participants.flags
    ),
)

RULE_NAMES = tuple(rule.name for rule in RULES)
PARTICIPANT_RULES = tuple(rule.name for rule in RULES if rule.level == "participant")
TRIAL_RULES = tuple(rule.name for rule in RULES if rule.level == "trial")
RULE_LABELS = {rule.name: rule.label for rule in RULES}
RULES_BY_NAME = {rule.name: rule for rule in RULES}
THRESHOLDS = tuple(rule.threshold for rule in RULES if rule.threshold is not None)
VARIANTS = tuple(rule.variant for rule in RULES if rule.variant is not None)


def _stored_flags(level: Level) -> tuple[str, ...]:
    """Every flag field the rules of ``level`` read, a Variant's choices included, in order."""
    flags: dict[str, None] = {}
    for rule in RULES:
        if rule.level == level:
            flags[rule.flag] = None
            flags.update(dict.fromkeys(rule.variant.flags.values() if rule.variant else ()))
    return tuple(flags)


# The stored flags, by model: Participant fields and Trial fields.
PARTICIPANT_FLAGS = _stored_flags("participant")
TRIAL_FLAGS = _stored_flags("trial")


@dataclass(frozen=True)
class TrialPaths:
    """Field paths from the rows of a queryset to the trial, its participant and their study."""

    trial: str = ""

    @property
    def participant(self) -> str:
        return f"{self.trial}participant__"

    @property
    def study(self) -> str:
        return f"{self.trial}participant__study__"


@dataclass(frozen=True)
class Scope:
    """A reason that is no study setting: its condition over a Trial queryset's paths."""

    name: str  # the reason written in excluded_by
    condition: Callable[[TrialPaths], Q]
    # The ExclusionRules attribute that, switched off, lifts the reason; None: it always holds.
    switch: str | None = None


def _on_bank_item(on: TrialPaths) -> Q:
    # The analysis reads items by their index among the bank's test items: a trial on any other
    # item has no place there.
    return Q(
        **{f"{on.trial}item__bank": F(f"{on.study}bank"), f"{on.trial}item__kind": Item.Kind.TEST}
    )


def _upheld_item(on: TrialPaths) -> Q:
    # The study leaves out the versions of which its researchers upheld a challenge
    # (Study.leave_out_upheld_items): whichever study the trial's participant took part in.
    upheld = Challenge.objects.filter(
        item_id=OuterRef(f"{on.trial}item_id"),
        participant__study_id=OuterRef(f"{on.participant}study_id"),
        status=Challenge.Status.UPHELD,
    )
    return Q(**{f"{on.study}leave_out_upheld_items": True}) & Q(Exists(upheld))


def analysed_condition(on: TrialPaths) -> Q:
    """Trials the analysis loads: test trials on the study bank's test items, but for the
    versions the study leaves out as upheld. A trial is practice, catch or test, so this is
    exactly where none of the scope reasons practice, catch, not_in_bank and upheld_item holds
    (the positive form: a cheaper filter on 100,000 trials)."""
    return Q(**{f"{on.trial}kind": Item.Kind.TEST}) & _on_bank_item(on) & ~_upheld_item(on)


UNANSWERED = Scope("unanswered", lambda on: Q(**{f"{on.trial}correct__isnull": True}))
# The catch, slider and outside-help checks are made at completion: until then a participant's
# answers are unchecked.
UNFINISHED = Scope(
    "unfinished",
    lambda on: ~Q(**{f"{on.participant}status": Participant.Status.COMPLETED}),
    switch="completed_only",
)
PRACTICE = Scope("practice", lambda on: Q(**{f"{on.trial}kind": Item.Kind.PRACTICE}))
CATCH = Scope("catch", lambda on: Q(**{f"{on.trial}kind": Item.Kind.CATCH}))
NOT_IN_BANK = Scope(
    "not_in_bank", lambda on: Q(**{f"{on.trial}kind": Item.Kind.TEST}) & ~_on_bank_item(on)
)
UPHELD_ITEM = Scope(
    "upheld_item",
    lambda on: Q(**{f"{on.trial}kind": Item.Kind.TEST}) & _on_bank_item(on) & _upheld_item(on),
)

# Every reason a trial is left out, in the order trials.csv writes them in excluded_by.
TRIAL_REASONS: tuple[Scope | Rule, ...] = (
    UNANSWERED,
    UNFINISHED,
    PRACTICE,
    CATCH,
    *RULES,
    NOT_IN_BANK,
    UPHELD_ITEM,
)
# The reasons an ExclusionRules value switches, by attribute.
SWITCHED_REASONS: tuple[Scope | Rule, ...] = (UNFINISHED, *RULES)
