"""The trials file: one row per trial, the published participant_data.csv columns first."""

from __future__ import annotations

from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Concat

from braintrial.analysis.rules import ExclusionRules, trial_exclusion_reasons
from braintrial.exports.expressions import (
    any_reason,
    bool_cell,
    choice_cell,
    text_cell,
    time_cell,
)
from braintrial.exports.rows.base import PSEUDONYMISED_PID, Column, ExportKind
from braintrial.exports.rows.reasons import trial_reason_columns, trial_reasons_under
from braintrial.items.models import Item
from braintrial.items.sources import MACHINE_QUOTA, quota_q
from braintrial.participants.models import Trial
from braintrial.studies.models import Study

P = "participant__"


def section_label(prefix: str = "") -> Case:
    """``human_<section>`` / ``machine_<section>`` as published; practice and catch items get
    ``practice_`` / ``catch_`` so that scripts selecting ``startswith("human")`` skip them."""
    section = f"{prefix}journal_section"
    return Case(
        When(**{f"{prefix}kind": Item.Kind.PRACTICE}, then=Concat(Value("practice_"), section)),
        When(**{f"{prefix}kind": Item.Kind.CATCH}, then=Concat(Value("catch_"), section)),
        # The machine-written quota (GPT-4-written and model-drafted, items.sources).
        When(quota_q(MACHINE_QUOTA, prefix), then=Concat(Value("machine_"), section)),
        default=Concat(Value("human_"), section),
        output_field=CharField(),
    )


# Why a trial is left out of an analysis, under each trial's own study settings.
EXCLUSION_REASONS = trial_exclusion_reasons()


def trials_base(
    studies: QuerySet[Study], include_excluded: bool, rules: ExclusionRules | None = None
) -> QuerySet[Trial]:
    """The trials of ``studies``; without ``include_excluded`` only those the analysis keeps under
    ``rules`` (None: each trial's own study settings), as the dashboard's report counts them."""
    queryset = Trial.objects.filter(participant__study__in=studies)
    if not include_excluded:
        reasons = EXCLUSION_REASONS if rules is None else trial_exclusion_reasons(rules=rules)
        queryset = queryset.exclude(any_reason(reasons))
    return queryset.order_by("participant_id", "position")


def moved_sliders() -> Case:
    return Case(
        When(Q(confidence_moved=True) | Q(expertise_moved=True), then=Value(1)),
        When(confidence_moved__isnull=True, expertise_moved__isnull=True, then=Value(None)),
        default=Value(0),
    )


COLUMNS = [
    # --- the published participant_data.csv columns: same names, same codings ----------------
    Column(
        "pid",
        F(f"{P}id"),
        "Participant number in this database (one per person and "
        "study). For imported published trials the original pid is in recruitment_id. "
        + PSEUDONYMISED_PID,
        "integer",
        pseudonym="participant",
        source=f"{P}id",
        study_path=f"{P}study_id",
    ),
    Column(
        "expertise", F("expertise"), "Self-rated expertise on this trial's topic, 1-100.", "integer"
    ),
    Column("confidence", F("confidence"), "Confidence in the choice, 1-100.", "integer"),
    Column(
        "click_outside",
        Case(
            When(blur_count__gt=0, then=Value("clicked")),
            default=Value(None),
            output_field=CharField(),
        ),
        "'clicked' if the page lost focus at least once during the trial, else empty "
        "(recorded, never a reason to exclude).",
        "text",
    ),
    Column(
        "correct",
        bool_cell("correct"),
        "1 if the original (published) version was "
        "chosen, 0 if the altered one; empty while unanswered.",
        "0/1",
    ),
    Column(
        "rt",
        F("rt_server_ms"),
        "Response time in ms measured by the server, from "
        "showing the trial to receiving the answer.",
        "integer",
    ),
    Column(
        "abstract_id",
        F("item__abstract_id"),
        "1-based row of the paper in the human-"
        "written BrainBench file; shared by the GPT-4 case of the same paper.",
        "integer",
    ),
    Column(
        "journal_section",
        choice_cell(section_label("item__")),  # a fixed prefix: never a formula
        "Who wrote the test case and its journal section: human_<section> or "
        "machine_<section> (GPT-4-written or model-drafted); practice_<section> / "
        "catch_<section> for practice and catch items, which no analysis uses.",
        "text",
    ),
    Column(
        "click_slider",
        moved_sliders(),
        "1 if the participant moved either rating slider "
        "on this trial, 0 if neither, empty if not recorded.",
        "0/1",
    ),
    Column(
        "recognised",
        bool_cell("recognised"),
        "1 if the participant said they had seen the study before, 0 if not.",
        "0/1",
    ),
    Column("age", F(f"{P}age"), "Age in years, as entered.", "integer"),
    Column(
        "country", text_cell(f"{P}country"), "Answer to 'Which country are you based in?'.", "text"
    ),
    Column(
        "current position",
        text_cell(f"{P}position"),
        "Current position, coded as "
        "published: Predoctoral student, Doctoral student, Postdoctoral researcher, "
        "Faculty/Academic staff, Research scientist, __other.",
        "text",
    ),
    Column("experience", F(f"{P}experience_years"), "Years of experience in the field.", "number"),
    Column(
        "sex",
        text_cell(f"{P}gender"),
        "Gender identity: Male, Female, Gender Variant/Non-Conforming, Prefer Not to Answer.",
        "text",
    ),
    # --- further columns ----------------------------------------------------------------------
    Column("study", text_cell(f"{P}study__slug"), "Study slug.", "text"),
    Column(
        "participant",
        Cast(f"{P}public_id", CharField()),
        "Participant's public id (UUID); empty in a pseudonymised file.",
        "text",
        pseudonym="blank",
    ),
    Column(
        "recruitment_source",
        text_cell(f"{P}recruitment_source"),
        "How the participant arrived: empty (direct link), prolific, pid, imported.",
        "text",
    ),
    Column(
        "recruitment_id",
        text_cell(f"{P}recruitment_id"),
        "PROLIFIC_PID or pid parameter; the published pid for imported trials. In a "
        "pseudonymised file, a keyed hash of it instead (the same in every file of the study).",
        "text",
        pseudonym="hash",
        source=f"{P}recruitment_id",
        study_path=f"{P}study_id",
    ),
    Column(
        "trial_id",
        F("id"),
        "Trial number in this database, as the API shows it; empty in a pseudonymised file.",
        "integer",
        pseudonym="blank",
    ),
    Column(
        "position",
        F("position"),
        "Order within the participant's session: 0 = practice, then 1, 2, ...",
        "integer",
    ),
    Column("kind", F("kind"), "test, practice or catch.", "text"),
    Column("item_id", F("item_id"), "Item number in this database (see items.csv).", "integer"),
    Column(
        "item_version",
        F("item__version"),
        "Version of the test case the trial showed (1, 2, ...): each version is its own item_id; "
        "item_lineage names the test case.",
        "integer",
    ),
    Column(
        "item_lineage",
        Cast("item__lineage", CharField()),
        "The test case every version of it shares (see items.csv).",
        "text",
    ),
    Column(
        "item_source",
        F("item__source"),
        "Who wrote the test case: human, gpt4 (the published GPT-4 cases) or llm (drafted by a "
        "language model in the item workbench and checked by people); gpt4 and llm cases fill "
        "the study's machine-written quota.",
        "text",
    ),
    Column(
        "section",
        text_cell("item__journal_section"),
        "Journal section of the paper, without prefix.",
        "text",
    ),
    Column("doi", text_cell("item__doi"), "DOI of the paper.", "text"),
    Column(
        "version_a",
        Case(
            When(original_is_a=True, then=Value("original")),
            When(original_is_a=False, then=Value("altered")),
            default=Value(None),
            output_field=CharField(),
        ),
        "Which version was shown as A: original or altered (B is the other); empty for "
        "imported published trials.",
        "text",
    ),
    Column(
        "choice",
        choice_cell("choice"),  # one character, A or B
        "Version picked: A or B; empty if unanswered or imported.",
        "text",
    ),
    Column(
        "rt_client_ms", F("rt_client_ms"), "Response time in ms measured in the browser.", "integer"
    ),
    Column(
        "blur_count", F("blur_count"), "How often the page lost focus during the trial.", "integer"
    ),
    Column(
        "confidence_moved",
        bool_cell("confidence_moved"),
        "1 if the confidence slider was moved.",
        "0/1",
    ),
    Column(
        "expertise_moved",
        bool_cell("expertise_moved"),
        "1 if the expertise slider was moved.",
        "0/1",
    ),
    Column(
        "flag_recognised", bool_cell("flag_recognised"), "Trial flag: recognised the paper.", "0/1"
    ),
    Column(
        "flag_fast",
        bool_cell("flag_fast"),
        "Trial flag: answered faster than the study's minimum response time as it was when "
        "the answer came in (excluded_by's fast compares rt with the current one).",
        "0/1",
    ),
    *(
        Column(name, bool_cell(field), text, "0/1")
        for name, field, text in (
            ("trial_outside_help", "outside_help", "Outside help on it (asked per trial)."),
            ("flag_outside_help_trial", "flag_outside_help", "Trial flag: outside help."),
            ("flag_failed_all_catch", f"{P}flag_failed_all_catch", "Failed every catch trial."),
        )
    ),
    Column(
        "flag_failed_catch",
        bool_cell(f"{P}flag_failed_catch"),
        "Participant flag: failed a catch trial.",
        "0/1",
    ),
    Column(
        "flag_no_slider",
        bool_cell(f"{P}flag_no_slider"),
        "Participant flag: never moved a slider.",
        "0/1",
    ),
    Column(
        "flag_outside_help",
        bool_cell(f"{P}flag_outside_help"),
        "Participant flag: reported outside help.",
        "0/1",
    ),
    *trial_reason_columns(EXCLUSION_REASONS, under="the study's rules"),
    Column("shown_at", time_cell("shown_at"), "When the trial was first shown (UTC).", "timestamp"),
    Column(
        "answered_at", time_cell("answered_at"), "When the answer was stored (UTC).", "timestamp"
    ),
    Column(
        "participant_status",
        F(f"{P}status"),
        "consent, declined, active, completed or abandoned.",
        "text",
    ),
    Column(
        "completed_at",
        time_cell(f"{P}completed_at"),
        "When the participant finished (UTC).",
        "timestamp",
    ),
]

TRIALS = ExportKind(
    name="trials",
    title="Trials",
    row_doc="One row per trial: one participant's answer to one item. The first 15 columns are "
    "those of the published participant_data.csv, with the same names and codings.",
    base_queryset=trials_base,
    columns=COLUMNS,
    reason_columns=trial_reasons_under,
    excluded_doc="By default only the trials an analysis keeps: answered test trials of "
    "participants who completed, that no exclusion rule of the study removes. With "
    "include_excluded, every stored trial, including practice, catch, unanswered and unfinished "
    "ones; the excluded and excluded_by columns say why. A link from the dashboard carries its "
    "rule switches (rules=custom and one parameter per rule switched on), so the file keeps and "
    "explains exactly the trials the dashboard analysed.",
)
