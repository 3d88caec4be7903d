"""Participants and their trials: every answer is one Trial row, stored once."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from braintrial.items.models import Item
from braintrial.studies.models import ConsentVersion, Study


class Gender(models.TextChoices):
    # Values are the published study's codings, so exports match participant_data.csv.
    # Labels are what participants read, in the study's language.
    MALE = "Male", _("Male")
    FEMALE = "Female", _("Female")
    VARIANT = "Gender Variant/Non-Conforming", _("Gender Variant/Non-Conforming")
    UNDISCLOSED = "Prefer Not to Answer", _("Prefer Not to Answer")


class Position(models.TextChoices):
    PREDOCTORAL = "Predoctoral student", _("Predoctoral student")
    DOCTORAL = "Doctoral student", _("Doctoral student")
    POSTDOC = "Postdoctoral researcher", _("Postdoctoral researcher")
    FACULTY = "Faculty/Academic staff", _("Faculty/Academic staff")
    SCIENTIST = "Research scientist", _("Research scientist")
    OTHER = "__other", _("Other")


class ParticipantQuerySet(models.QuerySet["Participant"]):
    def update(self, **kwargs: Any) -> int:
        """Every change moves ``updated_at``, which incremental API pulls and the dashboard's
        data version compare with; save() does the same through auto_now."""
        kwargs.setdefault("updated_at", timezone.now())
        return super().update(**kwargs)


class Participant(models.Model):
    class Status(models.TextChoices):
        CONSENT = "consent", "Reading consent"
        DECLINED = "declined", "Declined consent"
        ACTIVE = "active", "In progress"
        COMPLETED = "completed", "Completed"
        ABANDONED = "abandoned", "Abandoned"
        # A tombstone: answers and personal data erased at the participant's request.
        WITHDRAWN = "withdrawn", "Withdrawn"

    class RecruitmentSource(models.TextChoices):
        DIRECT = "", "Direct link"
        PROLIFIC = "prolific", "Prolific"
        PID = "pid", "pid parameter"
        IMPORTED = "imported", "Imported published data"

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="participants")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # SHA-256 of the cookie token: a database dump does not let anyone take over a session.
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CONSENT)

    recruitment_source = models.CharField(
        max_length=16, choices=RecruitmentSource.choices, blank=True, default=""
    )
    recruitment_id = models.CharField(max_length=128, blank=True, default="")
    prolific_study_id = models.CharField(max_length=128, blank=True, default="")
    prolific_session_id = models.CharField(max_length=128, blank=True, default="")

    consented_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    gender = models.CharField(max_length=40, choices=Gender.choices, blank=True)
    age = models.PositiveSmallIntegerField(null=True, blank=True)
    country = models.CharField(max_length=100, blank=True)
    position = models.CharField(max_length=40, choices=Position.choices, blank=True)
    experience_years = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    instructions_done_at = models.DateTimeField(null=True, blank=True)
    # When the participant left the "practice is over" page for the real trials.
    practice_over_at = models.DateTimeField(null=True, blank=True)
    outside_help = models.BooleanField(null=True, blank=True)
    feedback = models.TextField(blank=True)

    started_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(
        null=True, blank=True, help_text="When an abandoned participant's items were released."
    )
    user_agent = models.CharField(max_length=300, blank=True)
    # Keyed hashes, never the values: HMACs (SECRET_KEY) of study and browser mark (a random
    # value the server issued in a long-lived signed cookie), and of study and client network
    # (braintrial.net). Per study, so that no two studies' rows link up.
    browser_mark_hash = models.CharField(max_length=64, blank=True, default="")
    address_hash = models.CharField(max_length=64, blank=True, default="")
    # The same browser or client address took part before: a fact for the researcher to judge.
    repeat_suspected = models.BooleanField(default=False)
    # Moved by any change to the row: steps, completion and its flags, abandonment.
    updated_at = models.DateTimeField(auto_now=True, db_default=Now(), db_index=True)

    # The consent text the participant agreed to (or declined), as they read it.
    consent_version = models.ForeignKey(
        ConsentVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # SHA-256 of the withdrawal reference shown on the completion page: the reference itself is
    # known only to the participant, and a database dump withdraws nobody.
    withdrawal_key = models.CharField(max_length=64, blank=True, default="", db_default="")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # A withdrawn participant's recruitment id as a keyed hash (HMAC with SECRET_KEY, per
    # study): all a tombstone keeps of it, so that the study's repeat policy still recognises
    # the person if they start again. Erased with the other identifiers by the retention purge.
    recruitment_key = models.CharField(max_length=64, blank=True, default="", db_default="")
    identifiers_purged_at = models.DateTimeField(
        null=True, blank=True, help_text="When the retention period erased the identifiers."
    )

    # Participant-level exclusion flags: stored facts; the study decides which rules apply.
    flag_failed_catch = models.BooleanField(default=False)
    # db_default: rows written without the ORM (bulk COPY, raw inserts) get the fact too.
    flag_failed_all_catch = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Failed every catch trial (the 'both' catch rule).",
    )
    flag_no_slider = models.BooleanField(default=False)
    flag_outside_help = models.BooleanField(default=False)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        ordering = ["started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "recruitment_id"],
                condition=~models.Q(recruitment_id=""),
                name="participant_one_take_per_recruitment_id",
            ),
            models.UniqueConstraint(
                fields=["withdrawal_key"],
                condition=~models.Q(withdrawal_key=""),
                name="participant_withdrawal_key_unique",
            ),
            # One session in progress per browser and study: simultaneous Start clicks make
            # one participant. Finished ones don't count, so the ``flag`` repeat policy can
            # still let the browser in again (flagged) once its session has ended.
            models.UniqueConstraint(
                fields=["study", "browser_mark_hash"],
                condition=~models.Q(browser_mark_hash="")
                & models.Q(status__in=["consent", "active"]),
                name="participant_one_session_per_browser",
            ),
        ]
        indexes = [
            models.Index(fields=["study", "status"]),
            models.Index(
                fields=["study", "browser_mark_hash"],
                condition=~models.Q(browser_mark_hash=""),
                name="participant_study_mark",
            ),
            models.Index(
                fields=["study", "recruitment_key"],
                condition=~models.Q(recruitment_key=""),
                name="participant_study_rkey",
            ),
            models.Index(
                fields=["study", "address_hash", "started_at"],
                condition=~models.Q(address_hash=""),
                name="participant_study_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.study.slug}:{self.public_id}"


class Trial(models.Model):
    """One participant's answer to one item. Answer fields stay null until answered.

    A trial counts as answered when ``correct`` is not null.
    """

    class Choice(models.TextChoices):
        A = "A", "Version A"
        B = "B", "Version B"

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="trials")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="trials")
    position = models.PositiveSmallIntegerField(help_text="0 = practice, then 1, 2, ...")
    kind = models.CharField(max_length=16, choices=Item.Kind.choices)
    # Drawn at random on the server; null only for imported published trials.
    original_is_a = models.BooleanField(null=True)

    shown_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    choice = models.CharField(max_length=1, choices=Choice.choices, blank=True, default="")
    correct = models.BooleanField(null=True)
    confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    expertise = models.PositiveSmallIntegerField(null=True, blank=True)
    recognised = models.BooleanField(null=True)
    rt_server_ms = models.PositiveIntegerField(null=True, blank=True)
    rt_client_ms = models.PositiveIntegerField(null=True, blank=True)
    blur_count = models.PositiveIntegerField(default=0, help_text="Times the page lost focus.")
    confidence_moved = models.BooleanField(null=True)
    expertise_moved = models.BooleanField(null=True)

    # Asked only where the study asks per trial (Study.outside_help_per_trial).
    outside_help = models.BooleanField(null=True)

    # Trial-level exclusion flags.
    flag_recognised = models.BooleanField(default=False)
    flag_fast = models.BooleanField(default=False)
    flag_outside_help = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["participant_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "position"], name="trial_unique_position"
            ),
            models.UniqueConstraint(fields=["participant", "item"], name="trial_unique_item"),
            models.CheckConstraint(
                condition=models.Q(confidence__isnull=True)
                | models.Q(confidence__gte=1, confidence__lte=100),
                name="trial_confidence_1_100",
            ),
            models.CheckConstraint(
                condition=models.Q(expertise__isnull=True)
                | models.Q(expertise__gte=1, expertise__lte=100),
                name="trial_expertise_1_100",
            ),
            models.CheckConstraint(
                # A choice always has its correctness; imported published trials carry
                # correctness without the choice (the published data does not have it).
                condition=models.Q(choice="") | models.Q(correct__isnull=False),
                name="trial_choice_has_correct",
            ),
        ]
        indexes = [models.Index(fields=["item", "kind"])]

    def __str__(self) -> str:
        return f"{self.participant_id}#{self.position}"


class ExposureCounter(models.Model):
    """How many participants of a study hold a test item, released (abandoned) participants not
    counted: the balance of the assignment reads these instead of counting trials.

    Written only under the study's assignment lock, in the same transaction as the trials or the
    release it counts; ``manage.py exposure_rebuild`` checks them against the trials.
    """

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="exposure_counters")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    n = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["study", "item"], name="exposure_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.study_id}:{self.item_id}={self.n}"


class Challenge(models.Model):
    """A participant's report, after the debrief, of a problem with a test case they answered.

    The free text may hold anything a participant typed, identifiers included: a withdrawal
    erases the participant's challenges with their trials (services.withdrawal). A researcher
    of the study decides it (services.challenges): upheld, with the test case retired or fixed as
    a new version, or rejected; each decision is in the audit log.
    """

    class Kind(models.TextChoices):
        TYPO = "typo", _("A typo or a garbled sentence")
        BOTH_PLAUSIBLE = "both_plausible", _("Both versions are plausible")
        GIVEAWAY = "giveaway", _("Something gives the answer away")
        OTHER = "other", _("Another problem")

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        UPHELD = "upheld", "Upheld"
        REJECTED = "rejected", "Rejected"

    class Action(models.TextChoices):
        NONE = "", "None"
        RETIRED = "retired", "Test case retired"
        NEW_VERSION = "new_version", "Fixed as a new version"
        ALREADY_REPLACED = "already_replaced", "The version was no longer served"

    MAX_TEXT = 1000

    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="challenges"
    )
    # The trial that showed the item: a participant challenges only what they saw.
    trial = models.OneToOneField(Trial, on_delete=models.PROTECT, related_name="challenge")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="challenges")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.CharField(max_length=MAX_TEXT, blank=True)
    created_at = models.DateTimeField()

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    action = models.CharField(max_length=16, choices=Action.choices, blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField(blank=True)
    # The version an upheld challenge's fix made.
    new_item = models.ForeignKey(
        Item, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "item"], name="challenge_one_per_item_and_participant"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="other") | ~models.Q(text=""),
                name="challenge_other_has_text",
            ),
            models.CheckConstraint(
                condition=(models.Q(status="open") & models.Q(decided_at__isnull=True))
                | (~models.Q(status="open") & models.Q(decided_at__isnull=False)),
                name="challenge_decided_has_time",
            ),
        ]
        indexes = [models.Index(fields=["item", "status"])]

    def __str__(self) -> str:
        return f"challenge {self.pk} on item {self.item_id}"
