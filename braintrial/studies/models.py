"""Study: a researcher's configuration of one trial."""

from __future__ import annotations

import math
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from braintrial.items.bank_names import PUBLISHED_BANK
from braintrial.studies.texts import DEFAULT_CONSENT, placeholders_validate

# Catch trials each participant gets when the study has them (the assignment uses this).
N_CATCH_TRIALS = 2
# The stated duration's estimate: about a minute and a half to read two abstracts and answer,
# and a few minutes for consent, demographics, instructions and debrief.
MINUTES_PER_TRIAL = 1.5
MINUTES_AROUND = 4
# The 'answered too fast' threshold a new study starts with (ms; the published protocol's).
DEFAULT_MIN_RT_MS = 5000
# The most of its bank a study may keep out of public downloads (studies.heldout): beyond half,
# the public items say too little to compare with.
HELD_OUT_SHARE_MAX = 0.5


def held_out_key_new() -> str:
    """A study's own secret key for drawing its held-out items (studies.heldout): random, so
    the held-out set cannot be guessed from item ids, and stored, so it never changes."""
    return secrets.token_hex(16)


__all__ = ["DEFAULT_CONSENT", "STUDY_SETTINGS", "Study"]

# What a researcher sets for a study, in the order a person reads it: the dashboard's setup form
# and the API take exactly these.
STUDY_SETTINGS = (
    "title",
    "slug",
    "description",
    "is_open",
    "language",
    "bank",
    "n_human_trials",
    "n_gpt4_trials",
    "practice_enabled",
    "catch_trials_enabled",
    "skip_flagged_items",
    "held_out_share",
    "leave_out_upheld_items",
    "outside_help_per_trial",
    "consent_text",
    "instructions_text",
    "debrief_detail",
    "show_model_comparison",
    "highlight_differences",
    "institution",
    "contact_email",
    "completion_code",
    "completion_url",
    "prolific_mode",
    "abandon_after_minutes",
    "repeat_policy",
    "starts_per_address_per_hour",
    "exclude_failed_catch",
    "catch_rule",
    "exclude_no_slider",
    "exclude_outside_help",
    "exclude_recognised",
    "exclude_fast",
    "min_rt_ms",
    "identifier_retention_days",
    "planned_participants",
    "public_results",
)


class Study(models.Model):
    class RepeatPolicy(models.TextChoices):
        REFUSE = "refuse", "Refuse: a browser that took part gets no second session"
        FLAG = "flag", "Allow it and flag the participant as a suspected repeat"

    class DebriefDetail(models.TextChoices):
        # A repeat taker who sees right/wrong per trial learns the original of each item they
        # saw, so the default tells nothing about individual answers.
        NONE = "none", "Thanks only: nothing about the answers"
        SCORE = "score", "Number of right answers only"
        FULL = "full", "Right or wrong for every trial (the published protocol)"

    slug = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # A new study starts closed: it opens once its bank can serve it (studies.readiness).
    is_open = models.BooleanField(
        default=False,
        help_text="Closed studies accept no new participants. A study opens only once it is "
        "ready: its bank holds the items its settings ask for.",
    )
    bank = models.SlugField(
        max_length=64, default=PUBLISHED_BANK, help_text="Item bank to draw from."
    )
    language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        help_text="The language of the participant pages: buttons, questions, messages and the "
        "default consent and instructions texts. The study's own texts and items are shown as "
        "written.",
    )

    n_human_trials = models.PositiveSmallIntegerField(
        default=6, validators=[MinValueValidator(0), MaxValueValidator(50)]
    )
    n_gpt4_trials = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(0), MaxValueValidator(50)]
    )
    practice_enabled = models.BooleanField(default=True)
    catch_trials_enabled = models.BooleanField(default=True)
    skip_flagged_items = models.BooleanField(
        default=True,
        help_text="Keep items the importer flagged as defective (e.g. a garbled abstract) out "
        "of the assignment. The published study's reproduction keeps them, as published.",
    )
    leave_out_upheld_items = models.BooleanField(
        default=False,
        help_text="Leave out of the analyses and the report the test cases (the versions) of "
        "which a researcher of this study upheld a participant's challenge; the report says how "
        "many it left out.",
    )

    held_out_share = models.FloatField(
        default=0.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(HELD_OUT_SHARE_MAX)],
        help_text="Share of the bank's test items (0 to 0.5) whose texts stay out of every "
        "public download: participants still answer them and models still score them, and the "
        "report compares accuracy on them with the public items. Each item is drawn by a keyed "
        "hash of its lineage (shared by all its versions) with the study's own secret key, so "
        "the set is stable and cannot be guessed; raising the share only adds items to it.",
    )
    held_out_key = models.CharField(
        max_length=64,
        default=held_out_key_new,
        editable=False,
        help_text="Secret key of the held-out draw (studies.heldout); never shown or exported.",
    )

    consent_text = models.TextField(
        default=DEFAULT_CONSENT,
        validators=[placeholders_validate],
        help_text="{pairs}, {trials} and {minutes} are replaced by the study's own numbers.",
    )
    instructions_text = models.TextField(
        blank=True,
        validators=[placeholders_validate],
        help_text="{pairs}, {trials} and {minutes} are replaced by the study's own numbers.",
    )
    completion_code = models.CharField(max_length=64, blank=True)
    completion_url = models.URLField(
        blank=True, help_text="Participants are sent here once everything is stored."
    )
    prolific_mode = models.BooleanField(
        default=False, help_text="Require PROLIFIC_PID, STUDY_ID and SESSION_ID in the link."
    )
    # Participation control: one recruitment id takes a study once (a database constraint); a
    # browser is recognised by a long-lived cookie; starts per client address are rate-limited.
    repeat_policy = models.CharField(
        max_length=16,
        choices=RepeatPolicy.choices,
        default=RepeatPolicy.REFUSE,
        help_text="What happens when a browser that already took part starts again (shared lab "
        "computers need 'flag').",
    )
    starts_per_address_per_hour = models.PositiveIntegerField(
        default=20,
        validators=[MaxValueValidator(100_000)],
        help_text="New participants per client address and hour; 0: no limit.",
    )
    debrief_detail = models.CharField(
        max_length=16,
        choices=DebriefDetail.choices,
        default=DebriefDetail.NONE,
        help_text="What the debrief page tells a participant about their answers.",
    )
    abandon_after_minutes = models.PositiveIntegerField(
        default=90,
        validators=[MinValueValidator(5)],
        help_text="Without activity for this long, a participant's items are released.",
    )

    # Exclusion rules: flags are computed and stored; these settings decide which ones apply.
    exclude_failed_catch = models.BooleanField(default=True)
    exclude_no_slider = models.BooleanField(default=True)
    exclude_outside_help = models.BooleanField(default=True)
    catch_rule = models.CharField(
        max_length=8,
        choices=[("any", "fails any catch trial"), ("both", "fails every catch trial")],
        default="any",
        help_text="Which participants the failed-catch rule flags.",
    )
    outside_help_per_trial = models.BooleanField(
        default=False,
        help_text="Also ask on every trial whether outside help was used; a yes flags that "
        "trial (the debrief still asks about the whole session).",
    )
    exclude_recognised = models.BooleanField(default=True)
    exclude_fast = models.BooleanField(default=True)
    min_rt_ms = models.PositiveIntegerField(
        default=DEFAULT_MIN_RT_MS, help_text="Trials answered faster than this are flagged."
    )

    show_model_comparison = models.BooleanField(
        default=False,
        help_text="After the debrief, show how the language models did on the participant's "
        "items and where the participant stands among the participants the study analyses "
        "(completed, not excluded by its rules; per item only where the debrief shows per-trial "
        "results).",
    )
    highlight_differences = models.BooleanField(
        default=False,
        help_text="Mark the passages where the two versions differ, in both alike. Off in the "
        "published protocol, which shows plain text.",
    )
    # The public results page (/p/<slug>/): off until the researchers switch it on; the humans'
    # figures there are provisional until the planned number of participants is analysed.
    planned_participants = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(1_000_000)],
        help_text="How many analysed participants the study plans for; until then the public "
        "results call the humans' figures provisional. Blank: no planned number (always "
        "provisional).",
    )
    public_results = models.BooleanField(
        default=False,
        help_text="Show the study's results (humans against every model, with intervals) on a "
        "public page, its JSON and an embeddable chart, with the study's releases. Figures over "
        "all participants only, no identifier of anyone.",
    )
    # What the landing page tells a participant before they start.
    institution = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    expected_minutes = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Expected duration stated to participants; blank estimates it from the trials.",
    )
    # Data protection: identifiers (recruitment and session ids, address and browser-mark hashes)
    # are erased this many days after the study closes (manage.py purge_identifiers, daily).
    identifier_retention_days = models.PositiveIntegerField(
        default=90,
        validators=[MaxValueValidator(3650)],
        help_text="Days after the study closes until recruitment ids, session ids and the "
        "address and browser hashes are erased (answers are kept). 0: as soon as it closes.",
    )
    closed_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the study last closed."
    )
    researchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="studies"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "studies"
        permissions = [("view_all_studies", "Can read every study and its data")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(n_human_trials__gt=0) | models.Q(n_gpt4_trials__gt=0),
                name="study_has_trials",
            ),
            models.CheckConstraint(
                condition=models.Q(catch_rule__in=["any", "both"]), name="study_catch_rule_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(held_out_share__gte=0.0)
                & models.Q(held_out_share__lte=HELD_OUT_SHARE_MAX),
                name="study_held_out_share_range",
                violation_error_message="The held-out share is between 0 and 0.5.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def n_trials(self) -> int:
        """Test trials per participant, catch trials not counted."""
        return self.n_human_trials + self.n_gpt4_trials

    @property
    def n_trials_shown(self) -> int:
        """Trials a participant answers after the practice: test plus catch trials."""
        return self.n_trials + (N_CATCH_TRIALS if self.catch_trials_enabled else 0)

    @property
    def n_pairs(self) -> int:
        """Pairs of abstracts a participant reads: the practice, then the trials."""
        return self.n_trials_shown + (1 if self.practice_enabled else 0)

    @property
    def minutes_stated(self) -> int:
        """The duration told to participants: the study's own figure, else an estimate of
        MINUTES_PER_TRIAL per trial (practice included) plus MINUTES_AROUND for the forms."""
        if self.expected_minutes:
            return self.expected_minutes
        return math.ceil(self.n_pairs * MINUTES_PER_TRIAL + MINUTES_AROUND)


class ConsentVersion(models.Model):
    """One consent text exactly as participants read it, stored once: participants who agreed
    to the same words share the row. Identified by the SHA-256 of the text (UTF-8)."""

    sha256 = models.CharField(max_length=64, unique=True)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.short

    @property
    def short(self) -> str:
        """The first 12 hex digits: what pages and exports show."""
        return self.sha256[:12]


class StudyInvitation(models.Model):
    """A researcher's invitation of a co-researcher, by user name, waiting for their answer.

    Inviting adds nobody: the invited user sees it on their study list the next time they log
    in and accepts (then they become a researcher of the study) or declines. The inviter is
    told the same whether or not the name belongs to an account, so the form does not list
    the accounts of the server.
    """

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="invitations")
    username = models.CharField(max_length=150)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "username"], name="study_invitation_one_per_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.study_id}:{self.username}"
