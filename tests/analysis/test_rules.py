"""The exclusion rules, declared once: the SQL form (exports, dashboard) and the array form
(analysis) select the same trials, rule by rule and combined, under any switches."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pytest
from django.db.models import BooleanField, PositiveIntegerField
from django.utils import timezone

from braintrial.analysis.data import items_load, trials_load
from braintrial.analysis.rules import (
    RULE_NAMES,
    RULES,
    ExclusionRules,
    participant_excluded_q,
    reasons_any,
    trial_exclusion_reasons,
    trial_rule_reasons,
)
from braintrial.analysis.selectors import study_report
from braintrial.dashboard.selectors import study_overview_list
from braintrial.exports.expressions import any_reason, flag_cell, reasons_cell
from braintrial.exports.rows import EXPORT_KINDS
from braintrial.items.models import Item
from braintrial.participants.models import Participant, Trial
from braintrial.participants.services.steps import participant_complete
from braintrial.studies.models import Study
from tests.factories import user_make

from .conftest import Lab

Status = Participant.Status
# Reasons that keep a trial out of the analysis's arrays altogether.
NEVER_LOADED = {"unanswered", "practice", "catch", "not_in_bank"}


@dataclass
class Covered:
    """A study whose trials meet every reason; ``named`` maps a label to a trial id."""

    study: Study
    named: dict[str, int]


def _trial(person: Participant, item: Item, **fields: object) -> int:
    position = Trial.objects.filter(participant=person).count() + 1
    values: dict[str, object] = {
        "kind": item.kind,
        "original_is_a": True,
        "choice": "A",
        "correct": True,
        "confidence": 50,
        "expertise": 50,
        "rt_server_ms": 20000,
    }
    values.update(fields)
    return Trial.objects.create(participant=person, item=item, position=position, **values).pk


@pytest.fixture
def covered(lab: Lab) -> Covered:
    """Participants and trials covering every rule and scope reason, min_rt_ms 5000."""
    study = lab.study
    study.exclude_no_slider = False  # the study's own rules differ from all-on
    study.save(update_fields=["exclude_no_slider"])
    items = [lab.item() for _ in range(12)]
    practice, catch = lab.item(kind=Item.Kind.PRACTICE), lab.item(kind=Item.Kind.CATCH)
    elsewhere = Item.objects.create(
        bank="another-bank", source_file="x.csv", row=1, doi="10.0/x", journal_section="A",
        original="o", altered="a",
    )  # fmt: skip

    def person(status: str = Status.COMPLETED, **flags: bool) -> Participant:
        return Participant.objects.create(study=study, status=status, **flags)

    clean = person()
    named = {
        "clean": _trial(clean, items[0]),
        "recognised": _trial(clean, items[1], recognised=True, flag_recognised=True),
        "below_min_rt": _trial(clean, items[2], rt_server_ms=1000, flag_fast=True),
        "at_min_rt": _trial(clean, items[3], rt_server_ms=5000),
        # Stored when the minimum was higher: the server time says it was not fast.
        "above_min_rt_flag_set": _trial(clean, items[4], rt_server_ms=8000, flag_fast=True),
        "no_rt_flag_set": _trial(clean, items[5], rt_server_ms=None, flag_fast=True),
        "no_rt_flag_unset": _trial(clean, items[6], rt_server_ms=None),
        "unanswered": _trial(clean, items[7], choice="", correct=None, rt_server_ms=None),
        "practice": _trial(clean, practice),
        "catch": _trial(clean, catch, correct=False, choice="B"),
        "not_in_bank": _trial(clean, elsewhere),
    }
    for rule in ("failed_catch", "no_slider", "outside_help"):
        flagged = person(**{f"flag_{rule}": True})
        named[rule] = _trial(flagged, items[0])
        named[f"{rule}_and_fast"] = _trial(flagged, items[1], rt_server_ms=10, flag_fast=True)
    named["active"] = _trial(person(Status.ACTIVE), items[0])
    named["active_fast"] = _trial(person(Status.ACTIVE), items[1], rt_server_ms=10)
    named["abandoned"] = _trial(person(Status.ABANDONED), items[0], correct=False, choice="B")
    # Flags are written at completion; one set by hand on someone still taking part.
    named["active_failed_catch"] = _trial(person(Status.ACTIVE, flag_failed_catch=True), items[0])
    person(Status.DECLINED)
    return Covered(study=study, named=named)


def sql_reasons(study: Study, rules: ExclusionRules | None) -> dict[int, set[str]]:
    """Per trial of the study, the reasons the generated Q objects give."""
    trials = Trial.objects.filter(participant__study=study)
    reasons: dict[int, set[str]] = {pk: set() for pk in trials.values_list("pk", flat=True)}
    for name, q in trial_exclusion_reasons(rules=rules):
        for pk in trials.filter(q).values_list("pk", flat=True):
            reasons[pk].add(name)
    return reasons


def export_reasons(study: Study) -> dict[int, set[str]]:
    """Per trial, the excluded_by cell of trials.csv with include_excluded."""
    kind = EXPORT_KINDS["trials"]
    rows = kind.rows_queryset(studies=Study.objects.filter(pk=study.pk), include_excluded=True)
    trial_id, excluded_by = kind.header.index("trial_id"), kind.header.index("excluded_by")
    return {row[trial_id]: set((row[excluded_by] or "").split(";")) - {""} for row in rows}


def array_form(study: Study, rules: ExclusionRules) -> tuple[dict[str, set[int]], set[int]]:
    """Per switchable reason, the trial ids the analysis flags; and the ids it includes."""
    trials = trials_load(study=study, items=items_load(study=study), rules=rules)
    ids = trials.trial_id
    flags = {name: set(ids[flagged].tolist()) for name, flagged in trials.flags.items()}
    return flags, set(ids[trials.included(rules)].tolist())


def assert_same_selection(
    reasons: dict[int, set[str]], rules: ExclusionRules, study: Study
) -> None:
    flags, included = array_form(study, rules)
    loaded = {pk for pk, names in reasons.items() if not names & NEVER_LOADED}
    assert set().union(*flags.values()) <= loaded
    assert included == {pk for pk, names in reasons.items() if not names}
    for name in rules.switched_on():
        assert flags[name] == {pk for pk in loaded if name in reasons[pk]}, name
    switched_off = set(flags) - set(rules.switched_on())
    assert not any(name in reasons[pk] for pk in reasons for name in switched_off)


def test_the_export_gives_every_reason_its_trial_was_built_for(covered: Covered) -> None:
    reasons = export_reasons(covered.study)
    n = covered.named
    assert reasons[n["clean"]] == set()
    assert reasons[n["recognised"]] == {"recognised"}
    assert reasons[n["below_min_rt"]] == {"fast"}
    assert reasons[n["at_min_rt"]] == set()
    assert reasons[n["above_min_rt_flag_set"]] == set()
    assert reasons[n["no_rt_flag_set"]] == {"fast"}
    assert reasons[n["no_rt_flag_unset"]] == set()
    assert reasons[n["unanswered"]] == {"unanswered"}
    assert reasons[n["practice"]] == {"practice"}
    assert reasons[n["catch"]] == {"catch"}
    assert reasons[n["not_in_bank"]] == {"not_in_bank"}
    assert reasons[n["failed_catch_and_fast"]] == {"failed_catch", "fast"}
    assert reasons[n["no_slider"]] == set()  # the study switches no_slider off
    assert reasons[n["active_fast"]] == {"unfinished", "fast"}
    assert reasons[n["active_failed_catch"]] == {"unfinished", "failed_catch"}


def test_sql_and_arrays_select_the_same_trials_under_the_studys_rules(covered: Covered) -> None:
    rules = ExclusionRules.from_study(covered.study)
    reasons = export_reasons(covered.study)
    assert reasons == sql_reasons(covered.study, None)
    assert reasons == sql_reasons(covered.study, rules)
    assert_same_selection(reasons, rules, covered.study)


TOGGLED = [
    pytest.param(ExclusionRules(), id="all-on"),
    pytest.param(ExclusionRules.none(), id="none"),
    pytest.param(ExclusionRules(min_rt_ms=900), id="min-rt-900"),
    pytest.param(ExclusionRules(min_rt_ms=9000), id="min-rt-9000"),
    pytest.param(ExclusionRules(completed_only=False), id="unfinished-counted"),
    *(pytest.param(ExclusionRules().with_toggles(**{n: False}), id=f"{n}-off") for n in RULE_NAMES),
    *(
        pytest.param(ExclusionRules.none().with_toggles(**{n: True}), id=f"only-{n}")
        for n in RULE_NAMES
    ),
]


@pytest.mark.parametrize("rules", TOGGLED)
def test_sql_and_arrays_select_the_same_trials_under_toggled_rules(
    covered: Covered, rules: ExclusionRules
) -> None:
    assert_same_selection(sql_reasons(covered.study, rules), rules, covered.study)


def test_the_threshold_follows_the_rules_not_the_stored_flag(covered: Covered) -> None:
    n = covered.named
    strict = sql_reasons(covered.study, ExclusionRules(min_rt_ms=9000))
    lenient = sql_reasons(covered.study, ExclusionRules(min_rt_ms=900))
    assert "fast" in strict[n["above_min_rt_flag_set"]]
    assert "fast" not in lenient[n["below_min_rt"]]
    # Without a server time only the stored flag can say.
    assert "fast" in lenient[n["no_rt_flag_set"]]
    assert "fast" not in strict[n["no_rt_flag_unset"]]


def test_default_downloads_keep_exactly_the_trials_the_report_counts(covered: Covered) -> None:
    kind = EXPORT_KINDS["trials"]
    rows = kind.rows_queryset(
        studies=Study.objects.filter(pk=covered.study.pk), include_excluded=False
    )
    kept = {row[kind.header.index("trial_id")] for row in rows}
    _, included = array_form(covered.study, ExclusionRules.from_study(covered.study))
    assert kept == included
    report = study_report(study=covered.study)
    assert report["participation"]["included_trials"] == len(kept)


def test_dashboard_list_participants_file_and_report_count_the_same_excluded(
    covered: Covered,
) -> None:
    reader = user_make("reader", staff=True)
    (row,) = [r for r in study_overview_list(user=reader) if r["study"] == covered.study]
    kind = EXPORT_KINDS["participants"]
    rows = kind.rows_queryset(
        studies=Study.objects.filter(pk=covered.study.pk), include_excluded=True
    )
    in_file = sum(r[kind.header.index("excluded")] for r in rows)
    report = study_report(study=covered.study)
    # failed_catch and outside_help (no_slider is off), and the hand-flagged active participant.
    assert row["excluded"] == in_file == report["participation"]["excluded_participants"] == 3


def test_rules_all_switched_off_exclude_no_participant(covered: Covered) -> None:
    people = Participant.objects.filter(study=covered.study)
    assert not people.filter(participant_excluded_q(rules=ExclusionRules.none())).exists()
    assert people.filter(participant_excluded_q(rules=ExclusionRules())).count() == 4
    assert list(trial_rule_reasons(rules=ExclusionRules.none())) == []
    assert not Trial.objects.filter(reasons_any([])).exists()


def test_a_prefix_reaches_the_trial_through_a_relation(covered: Covered) -> None:
    reasons = dict(trial_exclusion_reasons(prefix="trials__"))
    people = Participant.objects.filter(study=covered.study)
    fast_people = set(people.filter(reasons["fast"]).values_list("pk", flat=True))
    expected = set(
        Trial.objects.filter(
            pk__in=[covered.named["below_min_rt"], covered.named["no_rt_flag_set"]]
        ).values_list("participant_id", flat=True)
    ) | set(
        Trial.objects.filter(rt_server_ms=10, participant__study=covered.study).values_list(
            "participant_id", flat=True
        )
    )
    assert fast_people == expected


def test_every_rule_names_a_study_switch_a_stored_flag_and_an_exclusion_rules_field() -> None:
    switches = {field.name for field in dataclasses.fields(ExclusionRules)}
    for rule in RULES:
        assert isinstance(Study._meta.get_field(rule.setting), BooleanField), rule.name
        model = Participant if rule.level == "participant" else Trial
        assert isinstance(model._meta.get_field(rule.flag), BooleanField), rule.name
        assert rule.switch in switches
        if rule.threshold:
            assert isinstance(Study._meta.get_field(rule.threshold.setting), PositiveIntegerField)
            assert rule.threshold.setting in switches
            Trial._meta.get_field(rule.threshold.measure)
        if rule.variant:
            assert Study._meta.get_field(rule.variant.setting).choices
            assert rule.variant.setting in switches
            for flag in rule.variant.flags.values():
                assert isinstance(Participant._meta.get_field(flag), BooleanField)
    assert switches == {*RULE_NAMES, "min_rt_ms", "catch_rule", "completed_only"}


def test_rules_from_a_study_follow_its_settings(lab: Lab) -> None:
    lab.study.exclude_recognised = False
    lab.study.min_rt_ms = 1234
    rules = ExclusionRules.from_study(lab.study)
    assert (rules.recognised, rules.fast, rules.min_rt_ms, rules.completed_only) == (
        False,
        True,
        1234,
        True,
    )
    assert rules.switched_on() == [
        "unfinished",
        "failed_catch",
        "no_slider",
        "outside_help",
        "outside_help_trial",
        "fast",
    ]
    assert ExclusionRules.none().switched_on() == []
    assert np.array_equal(np.array(RULE_NAMES), np.array([r.name for r in RULES]))


def test_export_cells_without_any_reason_keep_every_row(covered: Covered) -> None:
    people = Participant.objects.filter(study=covered.study)
    cells = people.annotate(by=reasons_cell([]), excluded=flag_cell(any_reason([])))
    assert set(cells.values_list("by", "excluded")) == {(None, 0)}
    assert people.exclude(any_reason([])).count() == people.count()


def test_catch_rule_any_or_both_picks_which_participants_are_excluded(lab: Lab) -> None:
    item = lab.item()
    lab.participant([(item, True)], flag_failed_catch=True)  # failed one of the two
    lab.participant([(item, False)], flag_failed_catch=True, flag_failed_all_catch=True)
    lab.participant([(item, True)])
    any_rule = study_report(study=lab.study)
    assert any_rule["sources"]["human"]["humans"]["accuracy"]["n"] == 1
    lab.study.catch_rule = "both"
    lab.study.save(update_fields=["catch_rule"])
    both = study_report(study=lab.study)
    assert both["rules"]["catch_rule"] == "both"
    assert both["sources"]["human"]["humans"]["accuracy"]["n"] == 2
    assert both["participation"]["flagged"]["failed_catch"]["participants"] == 1


def test_outside_help_on_one_trial_excludes_that_trial_only(lab: Lab) -> None:
    first, second = lab.item(), lab.item()
    participant = lab.participant([(first, True), (second, True)])
    participant.trials.filter(item=first).update(outside_help=True, flag_outside_help=True)
    report = study_report(study=lab.study)
    assert report["sources"]["human"]["humans"]["accuracy"]["n"] == 1
    assert report["participation"]["flagged"]["outside_help_trial"] == {
        "participants": 1,
        "trials": 1,
    }
    off = ExclusionRules.from_study(lab.study).with_toggles(outside_help_trial=False)
    assert (
        study_report(study=lab.study, rules=off)["sources"]["human"]["humans"]["accuracy"]["n"] == 2
    )


@pytest.mark.parametrize(("second_right", "failed_all"), [(True, False), (False, True)])
def test_completion_stores_both_catch_facts(lab: Lab, second_right: bool, failed_all: bool) -> None:
    catch = [lab.item(kind=Item.Kind.CATCH) for _ in range(2)]
    participant = lab.participant(
        [(catch[0], False), (catch[1], second_right)], status=Participant.Status.ACTIVE
    )
    participant_complete(
        participant=participant, outside_help=False, feedback="", now=timezone.now()
    )
    participant.refresh_from_db()
    assert (participant.flag_failed_catch, participant.flag_failed_all_catch) == (True, failed_all)
