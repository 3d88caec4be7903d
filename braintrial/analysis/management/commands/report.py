"""python manage.py report --study SLUG [--json]: the analysis the dashboard shows."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from braintrial.analysis.rules import RULE_NAMES, ExclusionRules
from braintrial.analysis.selectors import study_report
from braintrial.analysis.types import Accuracy, StudyReport
from braintrial.studies.models import Study

SOURCE_TITLES = {"human": "Human-written items", "gpt4": "GPT-4-written items", "all": "All items"}


def _acc(acc: Accuracy | None) -> str:
    if not acc or acc["accuracy"] is None:
        return "-"
    return f"{acc['accuracy']:.3f} ± {acc['sem']:.3f}  ({acc['k']}/{acc['n']})"


def _rule(value: str) -> tuple[str, bool]:
    name, _, state = value.partition("=")
    if name not in RULE_NAMES or state not in ("on", "off"):
        raise CommandError(f"--rule {value!r}: expected NAME=on|off with NAME one of {RULE_NAMES}")
    return name, state == "on"


class Command(BaseCommand):
    help = "Print a study's analysis (human and model accuracy, calibration, agreement, team)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--study", required=True, help="Study slug.")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
        parser.add_argument(
            "--no-exclusions", action="store_true", help="Switch every exclusion rule off."
        )
        parser.add_argument(
            "--rule",
            action="append",
            default=[],
            metavar="NAME=on|off",
            help=f"Switch one rule (after --no-exclusions); NAME in {', '.join(RULE_NAMES)}.",
        )
        parser.add_argument("--min-rt-ms", type=int, help="Threshold of the 'fast' rule (ms).")
        parser.add_argument(
            "--catch-rule",
            choices=["any", "both"],
            help="Flag participants who fail any catch trial, or only those who fail both.",
        )
        parser.add_argument(
            "--include-unfinished",
            action="store_true",
            help="Also count answers of participants who have not completed (yet).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            study = Study.objects.get(slug=options["study"])
        except Study.DoesNotExist as exc:
            raise CommandError(f"No study with slug {options['study']!r}.") from exc
        rules = ExclusionRules.from_study(study)
        if options["no_exclusions"]:
            rules = ExclusionRules.none(min_rt_ms=rules.min_rt_ms)
        rules = rules.with_toggles(**dict(_rule(value) for value in options["rule"]))
        if options["min_rt_ms"] is not None:
            if options["min_rt_ms"] < 0:
                raise CommandError("--min-rt-ms must not be negative.")
            rules = ExclusionRules(**{**rules.as_dict(), "min_rt_ms": options["min_rt_ms"]})
        if options["catch_rule"]:
            rules = ExclusionRules(**{**rules.as_dict(), "catch_rule": options["catch_rule"]})
        if options["include_unfinished"]:
            rules = rules.with_toggles(completed_only=False)
        report = study_report(study=study, rules=rules)
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
        else:
            self._print_table(report)

    def _print_table(self, report: StudyReport) -> None:
        out = self.stdout.write
        out(f"{report['study']['title']} ({report['study']['slug']})")
        rules = report["rules"]
        active = [name for name in RULE_NAMES if rules.get(name)]
        out(f"Exclusions on: {', '.join(active) or 'none'} (fast = under {rules['min_rt_ms']} ms)")
        if not rules["completed_only"]:
            out("Answers of participants who have not completed are counted too.")
        p = report["participation"]
        out(
            f"Participants: {p['visited']} arrived, {p['declined']} declined, {p['started']} "
            f"started, {p['completed']} completed, {p['abandoned']} abandoned, "
            f"{p['withdrawn']} withdrawn, "
            f"{p['excluded_participants']} excluded. Trials: {p['answered_trials']} answered, "
            f"{p['included_trials']} included."
        )
        for key in ("human", "gpt4", "all"):
            src = report["sources"][key]
            if not src["n_items"]:
                continue
            out("")
            label = src.get("label")  # the group's own sources in words (items.sources)
            title = f"{label[:1].upper()}{label[1:]} items" if label and key != "all" else ""
            out(f"== {title or SOURCE_TITLES[key]} ({src['n_items']} items) ==")
            humans = src["humans"]
            out(f"  {'Human experts':42s} {_acc(humans['accuracy'])}")
            out(f"  {'Top-20% expertise':42s} {_acc(humans['top_expertise'])}")
            for name, acc in humans["by_section"].items():
                out(f"    section {name:34s} {_acc(acc)}")
            for name, acc in humans["by_position"].items():
                out(f"    position {name:33s} {_acc(acc)}")
            models = sorted(
                src["models"].items(), key=lambda kv: -(kv[1]["accuracy"]["accuracy"] or 0)
            )
            display = {s["name"]: s["display_name"] for s in report["scorers"]}
            for name, model in models:
                team = src["team"].get(name)
                team_text = f"  team {_acc(team['team'])}" if team else ""
                out(f"  {display[name][:42]:42s} {_acc(model['accuracy'])}{team_text}")
            agreement = src["agreement"]
            out(
                f"  Spearman of item difficulty: human-model mean {agreement['mean_human_model']}, "
                f"model-model mean {agreement['mean_model_model']} ({agreement['n_items']} items)"
            )
            fit = src["calibration"]["humans"]["fit"]
            if fit["slope"] is not None:
                out(f"  Human calibration: accuracy per confidence bin, slope {fit['slope']:.4f}")
        self._print_cutoffs(report)
        self._print_held_out(report)
        self._print_reproduction(report)
        self._print_not_computed(report)
        if report["scorers_skipped"]:
            out("")
            for scorer in report["scorers_skipped"]:
                out(f"Skipped {scorer['display_name']}: {scorer['reason']}")

    def _print_cutoffs(self, report: StudyReport) -> None:
        """Per model, accuracy after and before its training-data cut-off (analysis.cutoffs)."""
        out, cutoffs = self.stdout.write, report["cutoffs"]
        out("")
        sources = "; ".join(f"{n} by {source}" for source, n in cutoffs["date_sources"].items())
        out(
            f"== Training-data cut-offs ({cutoffs['n_dated']} of {cutoffs['n_items']} items "
            f"dated{': ' + sources if sources else ''}) =="
        )
        if cutoffs["note"]:
            out(f"  {cutoffs['note']}")
        for row in cutoffs["models"]:
            cutoff = row["cutoff"]
            when = f"{cutoff['first']}..{cutoff['last']}" if cutoff else "unknown"
            out(
                f"  {row['display_name'][:34]:34s} cut-off {when:22s} after "
                f"{_acc(row['after'])}  before {_acc(row['before'])}"
            )
            words = [cutoff["source"] if cutoff else "", row["note"]]
            out("      " + "; ".join(word for word in words if word))

    def _print_held_out(self, report: StudyReport) -> None:
        """Public and held-out items side by side (analysis.heldout)."""
        out, split = self.stdout.write, report["held_out"]
        out("")
        out(
            f"== Public and held-out items (share {split['share']:g}: "
            f"{split['held_out']['n_items']} of {split['n_items']} items held out) =="
        )
        if split["note"]:
            out(f"  {split['note']}")
            return
        public, held = split["public"], split["held_out"]
        humans = f"public {_acc(public['humans'])}  held out {_acc(held['humans'])}"
        out(f"  {'Human experts':34s} {humans}")
        display = {s["name"]: s["display_name"] for s in report["scorers"]}
        for name, acc in public["models"].items():
            sides = f"public {_acc(acc)}  held out {_acc(held['models'][name])}"
            out(f"  {display.get(name, name)[:34]:34s} {sides}")

    def _print_not_computed(self, report: StudyReport) -> None:
        """Each analysis that could not be computed on these data, and why (analysis.guard)."""
        failed = {name: s for name, s in report["analyses"].items() if not s["ok"]}
        if failed:
            self.stdout.write("")
        for name, status in failed.items():
            self.stdout.write(f"Not computed: {name}: {status['reason']}")

    def _print_reproduction(self, report: StudyReport) -> None:
        out = self.stdout.write
        out("")
        out(f"== Reproduction of {report['reproduction']['citation']} ==")
        marks = {True: "same", False: "DIFFERS", None: "n/c"}
        for row in report["reproduction"]["rows"]:
            out(f"  [{marks[row['matches']]:7s}] {row['analysis']}")
            out(f"            paper: {row['paper']}  |  app: {row['app']}  ({row['n']})")
            if row["note"]:
                out(f"            why: {row['note']}")
