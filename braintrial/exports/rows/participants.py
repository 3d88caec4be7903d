"""The participants file: one row per participant with demographics, completion and flags."""

from __future__ import annotations

from django.db.models import CharField, Count, F, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Coalesce, Left

from braintrial.analysis.rules import (
    ExclusionRules,
    participant_analysed_q,
    participant_rule_reasons,
)
from braintrial.exports.expressions import (
    bool_cell,
    text_cell,
    time_cell,
)
from braintrial.exports.rows.base import PSEUDONYMISED_PID, Column, ExportKind
from braintrial.exports.rows.reasons import (
    participant_reason_columns,
    participant_reasons_under,
)
from braintrial.items.models import Item
from braintrial.participants.models import Participant, Trial
from braintrial.studies.models import Study

# Under each participant's own study settings (the export takes no rule switches).
EXCLUSION_REASONS = list(participant_rule_reasons())


def participants_base(
    studies: QuerySet[Study], include_excluded: bool, rules: ExclusionRules | None = None
) -> QuerySet[Participant]:
    """The participants of ``studies``; without ``include_excluded`` only those the analysis
    under ``rules`` draws on (None: each participant's own study settings): the dashboard's
    "from N participants", by the same rule (analysis.rules.participant_analysed_q)."""
    # Withdrawn participants are tombstones without data: no file lists them.
    queryset = Participant.objects.filter(study__in=studies).exclude(
        status=Participant.Status.WITHDRAWN
    )
    if not include_excluded:
        queryset = queryset.filter(participant_analysed_q(rules=rules))
    return queryset.order_by("id")


def test_trial_count(**conditions: object) -> Coalesce:
    """Test trials of the row's participant matching ``conditions`` (a correlated subquery)."""
    counted = (
        Trial.objects.filter(participant=OuterRef("pk"), kind=Item.Kind.TEST, **conditions)
        .order_by()
        .values("participant")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def col(
    name: str, expression: str | Combinable, doc: str, kind: str = "text", **more: str
) -> Column:
    expr = F(expression) if isinstance(expression, str) else expression
    return Column(name, expr, doc, kind, **more)


COLUMNS = [
    col(
        "pid",
        "id",
        "Participant number in this database; the pid of trials.csv. " + PSEUDONYMISED_PID,
        "integer",
        pseudonym="participant",
        source="id",
        study_path="study_id",
    ),
    col(
        "participant",
        Cast("public_id", CharField()),
        "Public id (UUID), as the API and the dashboard show it; empty in a pseudonymised file.",
        pseudonym="blank",
    ),
    col("study", text_cell("study__slug"), "Study slug."),
    col(
        "status",
        "status",
        "consent, declined, active, completed or abandoned (withdrawn participants are left out).",
    ),
    col(
        "recruitment_source",
        text_cell("recruitment_source"),
        "Empty (direct link), prolific, pid or imported.",
    ),
    col(
        "recruitment_id",
        text_cell("recruitment_id"),
        "PROLIFIC_PID or pid parameter; the published pid for imported participants. In a "
        "pseudonymised file, a keyed hash of it instead (the same in every file of the study). "
        "Empty once the study's identifier retention has run out.",
        pseudonym="hash",
        source="recruitment_id",
        study_path="study_id",
    ),
    col(
        "prolific_study_id",
        text_cell("prolific_study_id"),
        "Prolific STUDY_ID; empty in a pseudonymised file and after the retention period.",
        pseudonym="blank",
    ),
    col(
        "prolific_session_id",
        text_cell("prolific_session_id"),
        "Prolific SESSION_ID; empty in a pseudonymised file and after the retention period.",
        pseudonym="blank",
    ),
    col("age", "age", "Age in years.", "integer"),
    col("country", text_cell("country"), "Answer to 'Which country are you based in?'."),
    col(
        "current position",
        text_cell("position"),
        "Current position, coded as in participant_data.csv (Predoctoral student ... __other).",
    ),
    col("experience", "experience_years", "Years of experience in the field.", "number"),
    col(
        "sex",
        text_cell("gender"),
        "Gender identity: Male, Female, Gender Variant/Non-Conforming, Prefer Not to Answer.",
    ),
    col(
        "outside_help",
        bool_cell("outside_help"),
        "1 if they reported using outside help in the debrief, 0 if not, empty if not asked yet.",
        "0/1",
    ),
    col(
        "feedback",
        text_cell("feedback"),
        "Free-text feedback from the debrief; empty in a pseudonymised file (a free text can "
        "name its writer, and is found again word for word in the plain file).",
        pseudonym="blank",
    ),
    col(
        "n_trials",
        test_trial_count(),
        "Test trials assigned (practice and catch not counted).",
        "integer",
    ),
    col("n_answered", test_trial_count(correct__isnull=False), "Test trials answered.", "integer"),
    col("n_correct", test_trial_count(correct=True), "Test trials answered correctly.", "integer"),
    col("flag_failed_catch", bool_cell("flag_failed_catch"), "Failed a catch trial.", "0/1"),
    col(
        "flag_failed_all_catch",
        bool_cell("flag_failed_all_catch"),
        "Failed every catch trial (the 'both' catch rule).",
        "0/1",
    ),
    col("flag_no_slider", bool_cell("flag_no_slider"), "Never moved a rating slider.", "0/1"),
    col("flag_outside_help", bool_cell("flag_outside_help"), "Reported outside help.", "0/1"),
    col(
        "repeat_suspected",
        bool_cell("repeat_suspected"),
        "1 if this browser or client address had started the study before: a suspected repeat "
        "taker (not an exclusion rule; judge it yourself).",
        "0/1",
    ),
    *participant_reason_columns(EXCLUSION_REASONS, rules=None, under="the study's rules"),
    col("started_at", time_cell("started_at"), "Arrival on the landing page (UTC).", "timestamp"),
    col("consented_at", time_cell("consented_at"), "Consent given (UTC).", "timestamp"),
    col("declined_at", time_cell("declined_at"), "Consent declined (UTC).", "timestamp"),
    col(
        "instructions_done_at",
        time_cell("instructions_done_at"),
        "Instructions read (UTC).",
        "timestamp",
    ),
    col(
        "practice_over_at",
        time_cell("practice_over_at"),
        "Went on from the practice-over screen to the real trials (UTC).",
        "timestamp",
    ),
    col("last_seen_at", time_cell("last_seen_at"), "Last request (UTC).", "timestamp"),
    col("completed_at", time_cell("completed_at"), "Finished (UTC).", "timestamp"),
    col(
        "released_at",
        time_cell("released_at"),
        "Items released after abandoning (UTC).",
        "timestamp",
    ),
    col(
        "identifiers_purged_at",
        time_cell("identifiers_purged_at"),
        "When the study's identifier retention ran out and the recruitment and session ids, "
        "hashes and user agent were erased (UTC); empty while they are kept.",
        "timestamp",
    ),
    col(
        "user_agent",
        text_cell("user_agent"),
        "Browser user agent; empty in a pseudonymised file and after the retention period.",
        pseudonym="blank",
    ),
    col(
        "consent_version",
        Left("consent_version__sha256", 12),
        "The consent text the participant agreed to (or declined): the first 12 hex digits of "
        "the SHA-256 of its UTF-8 text exactly as the consent page showed it, with the study's "
        "figures filled in. Each distinct text is stored once (admin: Consent versions); a "
        "changed text is a new version. Empty while the participant is still reading it.",
    ),
    col(
        "updated_at",
        time_cell("updated_at"),
        "Last change to this row (UTC): steps, completion, abandonment.",
        "timestamp",
    ),
]

PARTICIPANTS = ExportKind(
    name="participants",
    title="Participants",
    row_doc="One row per participant who opened the study link.",
    base_queryset=participants_base,
    columns=COLUMNS,
    reason_columns=participant_reasons_under,
    excluded_doc="By default only the participants the analysis draws on are listed (analysed = "
    "1: at least one answered test trial survives the rules, the dashboard's 'from N "
    "participants'); with include_excluded every participant who opened the link is listed.",
)
