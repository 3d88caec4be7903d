"""study_report on small made-up studies: exclusions, splits, scorers, agreement, team."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from braintrial.analysis.rules import ExclusionRules
from braintrial.analysis.selectors import study_report
from braintrial.items.models import Item
from braintrial.participants.models import Participant, Trial
from scoring.models import ScoreRun

from .conftest import Lab

GPT4 = Item.Source.GPT4


def headline(report: dict, source: str = "human") -> tuple[int, int]:
    acc = report["sources"][source]["humans"]["accuracy"]
    return acc["k"], acc["n"]


@pytest.fixture
def flagged(lab: Lab) -> Lab:
    """P1 clean (2 right); P2 failed catch (2 wrong); P3 one fast wrong, one recognised right."""
    i1, i2 = lab.item(), lab.item()
    lab.participant([(i1, True), (i2, True)])
    lab.participant([(i1, False), (i2, False)], flag_failed_catch=True)
    lab.participant([(i1, False, 50, 50, 1000), (i2, True, 50, 50, 20000, True)])
    return lab


def test_study_rules_exclude_flagged_participant_fast_and_recognised_trials(flagged: Lab) -> None:
    report = study_report(study=flagged.study)
    assert headline(report) == (2, 2)
    participation = report["participation"]
    assert participation["excluded_participants"] == 1
    assert participation["included_trials"] == 2
    assert participation["flagged"]["failed_catch"] == {"participants": 1, "trials": 2}
    assert participation["flagged"]["fast"] == {"participants": 1, "trials": 1}
    assert participation["flagged"]["recognised"] == {"participants": 1, "trials": 1}


@pytest.mark.parametrize(
    ("toggles", "expected"),
    [
        ({"failed_catch": False}, (2, 4)),
        ({"fast": False}, (2, 3)),
        ({"recognised": False}, (3, 3)),
        ({"no_slider": False, "outside_help": False}, (2, 2)),
    ],
)
def test_switching_one_rule_off_brings_its_trials_back(
    flagged: Lab, toggles: dict, expected: tuple[int, int]
) -> None:
    rules = ExclusionRules.from_study(flagged.study).with_toggles(**toggles)
    assert headline(study_report(study=flagged.study, rules=rules)) == expected


def test_no_exclusions_counts_every_answered_test_trial(flagged: Lab) -> None:
    report = study_report(study=flagged.study, rules=ExclusionRules.none())
    assert headline(report) == (3, 6)
    assert report["participation"]["excluded_participants"] == 0


def test_a_lower_min_rt_keeps_the_fast_trial(flagged: Lab) -> None:
    rules = ExclusionRules.from_study(flagged.study)
    assert headline(study_report(study=flagged.study, rules=rules)) == (2, 2)
    slower = ExclusionRules(**{**rules.as_dict(), "min_rt_ms": 999})
    assert headline(study_report(study=flagged.study, rules=slower)) == (2, 3)


def test_study_settings_decide_the_default_rules(flagged: Lab) -> None:
    flagged.study.exclude_failed_catch = False
    flagged.study.save(update_fields=["exclude_failed_catch"])
    assert headline(study_report(study=flagged.study)) == (2, 4)


def test_unknown_rule_name_is_refused() -> None:
    with pytest.raises(ValueError, match="cheating"):
        ExclusionRules().with_toggles(cheating=False)


def test_practice_and_catch_answers_never_count(lab: Lab) -> None:
    item = lab.item()
    practice = lab.item(kind=Item.Kind.PRACTICE)
    catch = lab.item(kind=Item.Kind.CATCH)
    lab.participant([(item, False), (practice, True), (catch, True)])
    report = study_report(study=lab.study)
    assert headline(report, "all") == (0, 1)
    assert [row["item_id"] for row in report["exposure"]["items"]] == [item.pk]


def test_splits_by_source_section_and_position(lab: Lab) -> None:
    a, b, g = lab.item(section="A"), lab.item(section="B"), lab.item(source=GPT4, section="A")
    lab.participant([(a, True), (b, False), (g, True)], position="Faculty/Academic staff")
    lab.participant([(a, True), (b, True), (g, False)], position="")
    report = study_report(study=lab.study)
    humans = report["sources"]["human"]["humans"]
    assert headline(report) == (3, 4)
    assert headline(report, "gpt4") == (1, 2)
    assert headline(report, "all") == (4, 6)
    assert {k: (v["k"], v["n"]) for k, v in humans["by_section"].items()} == {
        "A": (2, 2),
        "B": (1, 2),
    }
    assert {k: (v["k"], v["n"]) for k, v in humans["by_position"].items()} == {
        "(not given)": (2, 2),
        "Faculty/Academic staff": (1, 2),
    }
    assert humans["accuracy"]["sem"] == pytest.approx((0.75 * 0.25 / 4) ** 0.5)


def test_top_expertise_keeps_the_most_expert_fifth_per_item(lab: Lab) -> None:
    popular, rare = lab.item(), lab.item()
    # 10 trials on `popular`: floor(10 * 0.2) = 2 kept, the 90 and the first of the two 80s.
    expertise = [10, 80, 20, 90, 80, 30, 40, 50, 60, 70]
    for number, level in enumerate(expertise):
        answers = [(popular, number != 1, 50, level)]
        if number < 4:  # only 4 trials on `rare`: the item drops out
            answers.append((rare, True, 50, 100))
        lab.participant(answers)
    top = study_report(study=lab.study)["sources"]["human"]["humans"]["top_expertise"]
    # Kept: expertise 90 (right) and the first 80 (trial number 1: wrong).
    assert (top["k"], top["n"]) == (1, 2)


def test_report_is_strict_json(flagged: Lab) -> None:
    flagged.scorer("constant", {item: (2.0, 2.0) for item in flagged.items})
    json.dumps(study_report(study=flagged.study), allow_nan=False)


def test_study_without_participants_scores_models_on_every_bank_item(lab: Lab) -> None:
    items = [lab.item(), lab.item(), lab.item(source=GPT4)]
    lab.scorer("m", {items[0]: (1.0, 2.0), items[1]: (3.0, 2.0), items[2]: (1.0, 5.0)})
    report = study_report(study=lab.study)
    assert report["sources"]["all"]["n_items"] == 3
    assert headline(report) == (0, 0)
    assert report["sources"]["human"]["humans"]["accuracy"]["accuracy"] is None
    model = report["sources"]["all"]["models"]["m"]["accuracy"]
    assert (model["k"], model["n"]) == (2, 3)
    json.dumps(report, allow_nan=False)


def test_models_are_scored_on_the_items_participants_saw(lab: Lab) -> None:
    seen, unseen = lab.item(), lab.item()
    lab.participant([(seen, True)])
    lab.scorer("m", {seen: (1.0, 2.0), unseen: (3.0, 2.0)})
    model = study_report(study=lab.study)["sources"]["human"]["models"]["m"]["accuracy"]
    assert (model["k"], model["n"]) == (1, 1)


def test_only_complete_succeeded_or_published_scorers_count(lab: Lab) -> None:
    a, b = lab.item(), lab.item()
    lab.participant([(a, True), (b, True)])
    both = {a: (1.0, 2.0), b: (1.0, 2.0)}
    lab.scorer("published", {a: (1.0, 2.0)}, published=True)
    lab.scorer("done", both, published=False, run_status=ScoreRun.Status.SUCCEEDED)
    lab.scorer("running", both, published=False, run_status=ScoreRun.Status.RUNNING)
    lab.scorer("half", {a: (1.0, 2.0)}, published=False, run_status=ScoreRun.Status.SUCCEEDED)
    report = study_report(study=lab.study)
    assert [s["name"] for s in report["scorers"]] == ["done", "published"]
    # Listed, never counted: "half" (a succeeded run short of the items) and "running", whose
    # run has written every score but has not finished (its scores certify nothing yet).
    skipped = [(s["name"], s["n_items_scored"], s["reason"]) for s in report["scorers_skipped"]]
    assert skipped == [
        ("half", 1, "1 items in scope have no score"),
        ("running", 2, "being scored: 0 items in scope have no score yet"),
    ]
    assert set(report["sources"]["human"]["models"]) == {"done", "published"}


def test_agreement_ranks_item_difficulty(lab: Lab) -> None:
    items = [lab.item() for _ in range(4)]
    # Per-item human accuracy 0, 1/3, 2/3, 1.
    for person in range(3):
        lab.participant([(item, person < number) for number, item in enumerate(items)])
    # "easy" agrees with the humans (margin grows with accuracy), "hard" is reversed.
    lab.scorer("easy", {item: (1.0, 1.0 + n) for n, item in enumerate(items, start=1)})
    lab.scorer("hard", {item: (1.0, 10.0 - n) for n, item in enumerate(items, start=1)})
    agreement = study_report(study=lab.study)["sources"]["human"]["agreement"]
    assert agreement["n_items"] == 4
    assert agreement["human_model"] == {"easy": 1.0, "hard": -1.0}
    assert agreement["model_model"] == [[1.0, -1.0], [-1.0, 1.0]]
    assert agreement["mean_human_model"] == 0.0
    assert agreement["mean_model_model"] == -1.0


def test_team_is_fitted_per_source_on_the_same_trials_as_its_members(lab: Lab) -> None:
    items = [lab.item() for _ in range(4)]
    # The study's own model (a succeeded run): right on three items, wrong on the last.
    ppl = {item: (1.0, 2.0) for item in items[:3]} | {items[3]: (2.0, 1.5)}
    lab.scorer("m", ppl, published=False, run_status="succeeded")
    for confident in (10, 60, 90):
        lab.participant([(item, n % 2 == 0, confident) for n, item in enumerate(items)])
    report = study_report(study=lab.study)
    team = report["sources"]["human"]["team"]["m"]
    assert team["n"] == 12 and team["validation"] == "leave-one-out"
    assert (team["human"]["k"], team["model"]["k"]) == (6, 9)
    assert 0 <= team["team"]["k"] <= 12
    assert report["sources"]["all"]["team"] == {}  # teams are fitted per item source


def test_participation_counts_stages(lab: Lab) -> None:
    item = lab.item()
    lab.participant([(item, True)])
    lab.participant([], status=Participant.Status.DECLINED)
    lab.participant([], status=Participant.Status.ABANDONED)
    lab.participant([], status=Participant.Status.CONSENT)
    participation = study_report(study=lab.study)["participation"]
    expected = {"visited": 4, "declined": 1, "started": 2, "completed": 1, "abandoned": 1}
    assert {k: participation[k] for k in expected} == expected
    assert sum(day["started"] for day in participation["by_day"]) == 2


def test_exposure_counts_assigned_answered_and_included_trials(lab: Lab) -> None:
    a, b = lab.item(), lab.item(source=GPT4)
    lab.participant([(a, True), (b, True)])
    lab.participant([(a, True, 50, 50, 100)])  # fast: answered, not included
    released = lab.participant([], status=Participant.Status.ABANDONED)
    Trial.objects.create(participant=released, item=b, position=1, kind="test")
    released.released_at = timezone.now()
    released.save(update_fields=["released_at"])
    waiting = lab.participant([], status=Participant.Status.ACTIVE)
    Trial.objects.create(participant=waiting, item=b, position=1, kind="test")
    exposure = study_report(study=lab.study)["exposure"]
    rows = {row["item_id"]: row for row in exposure["items"]}
    assert (rows[a.pk]["n_assigned"], rows[a.pk]["n_answered"], rows[a.pk]["n_included"]) == (
        2,
        2,
        1,
    )
    assert (rows[b.pk]["n_assigned"], rows[b.pk]["n_answered"], rows[b.pk]["n_included"]) == (
        2,
        1,
        1,
    )
    assert rows[b.pk]["source"] == "gpt4"
    assert exposure["by_source"]["human"] == {"n_items": 1, "min": 2, "max": 2, "mean": 2.0}


def test_answers_per_day_follow_answered_at(lab: Lab) -> None:
    item = lab.item()
    lab.participant([(item, True)])
    Trial.objects.filter(participant__study=lab.study).update(
        answered_at=datetime(2026, 3, 1, 12, tzinfo=UTC)
    )
    days = study_report(study=lab.study)["participation"]["by_day"]
    assert {"date": "2026-03-01", "started": 0, "completed": 0, "answered": 1} in days


def test_imported_participants_are_not_drawn_on_the_import_day(lab: Lab) -> None:
    item = lab.item()
    local = lab.participant([(item, True)])
    Trial.objects.filter(participant=local).update(answered_at=timezone.now())
    imported = lab.participant([(item, False)])
    Participant.objects.filter(pk=imported.pk).update(
        recruitment_source=Participant.RecruitmentSource.IMPORTED
    )
    Trial.objects.filter(participant=imported).update(answered_at=None)
    days = study_report(study=lab.study)["participation"]["by_day"]
    assert sum(day["started"] for day in days) == 1
    assert sum(day["answered"] for day in days) == 1


def test_report_command_applies_rule_switches(flagged: Lab) -> None:
    def run(*args: str) -> dict:
        out = io.StringIO()
        call_command("report", "--study", "lab", "--json", *args, stdout=out)
        return json.loads(out.getvalue())

    assert headline(run()) == (2, 2)
    assert headline(run("--no-exclusions")) == (3, 6)
    assert headline(run("--no-exclusions", "--rule", "failed_catch=on")) == (3, 4)
    assert headline(run("--rule", "fast=off")) == (2, 3)
    assert headline(run("--min-rt-ms", "999")) == (2, 3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--study", "nope"], "No study with slug 'nope'"),
        (["--study", "lab", "--rule", "cheat=on"], "expected NAME=on|off"),
        (["--study", "lab", "--rule", "fast=maybe"], "expected NAME=on|off"),
    ],
)
def test_report_command_refuses_bad_arguments(lab: Lab, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("report", *args, stdout=io.StringIO())


def test_unfinished_participants_count_only_when_asked(lab: Lab) -> None:
    item = lab.item()
    lab.participant([(item, True)])
    lab.participant([(item, False)], status=Participant.Status.ACTIVE)
    lab.participant([(item, False)], status=Participant.Status.ABANDONED)
    report = study_report(study=lab.study)
    assert headline(report) == (1, 1)
    assert report["participation"]["unfinished_trials"] == 2
    rules = ExclusionRules.from_study(lab.study).with_toggles(completed_only=False)
    assert headline(study_report(study=lab.study, rules=rules)) == (1, 3)
    out = io.StringIO()
    call_command("report", "--study", "lab", "--json", "--include-unfinished", stdout=out)
    assert headline(json.loads(out.getvalue())) == (1, 3)


def test_report_table_prints_for_an_empty_and_a_small_study(lab: Lab) -> None:
    out = io.StringIO()
    call_command("report", "--study", "lab", stdout=out)
    assert "0 arrived" in out.getvalue()
    item = lab.item()
    lab.participant([(item, True)])
    lab.scorer("m", {item: (1.0, 2.0)})
    out = io.StringIO()
    call_command("report", "--study", "lab", stdout=out)
    text = out.getvalue()
    assert "Human-written items (1 items)" in text
    assert "1.000 ± 0.000  (1/1)" in text
    assert "M " in text  # the scorer's display name
