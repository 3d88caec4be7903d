"""The item workbench's sources: candidate abstracts a lab may turn into items."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from braintrial.items.dates import published_after
from braintrial.items.models import Item, ItemBank
from scoring.models import Scorer


class Section(models.TextChoices):
    """The five sections of the Journal of Neuroscience that BrainBench's items come from, spelt
    as the published files and ``Item.journal_section`` spell them."""

    BEHAVIORAL_COGNITIVE = "Behavioral/Cognitive", "Behavioral/Cognitive"
    CELLULAR_MOLECULAR = "Cellular/Molecular", "Cellular/Molecular"
    DEVELOPMENT_PLASTICITY_REPAIR = "Development/Plasticity/Repair", "Development/Plasticity/Repair"
    NEUROBIOLOGY_OF_DISEASE = "Neurobiology of Disease", "Neurobiology of Disease"
    SYSTEMS_CIRCUITS = "Systems/Circuits", "Systems/Circuits"


class Candidate(models.Model):
    """One paper's abstract, imported into a bank's workbench; not an item yet.

    The publication date is kept as the range of days it may mean (``published_from`` to
    ``published_until``, both included): an exact date is a range of one day, "2025-03" the
    whole of March. A paper is published after a model's cut-off only if ``published_from`` is
    after it, so a vague date never lets an old paper pass for a new one.
    """

    class Precision(models.TextChoices):
        DAY = "day", "Day"
        MONTH = "month", "Month"
        YEAR = "year", "Year"
        RANGE = "range", "Range"  # PubMed's MedlineDate: "2024 Dec-2025 Jan", "2025 Spring"

    class Origin(models.TextChoices):
        PUBMED = "pubmed", "PubMed XML"
        CSV = "csv", "CSV file"
        PASTED = "pasted", "Pasted"

    bank = models.ForeignKey(ItemBank, on_delete=models.PROTECT, related_name="candidates")
    title = models.TextField()
    abstract = models.TextField()
    doi = models.CharField(
        max_length=255, help_text="Normalised: lower case, no resolver prefix (10.xxxx/...)."
    )
    journal = models.CharField(max_length=255)
    published_from = models.DateField(help_text="First day the publication date may mean.")
    published_until = models.DateField(help_text="Last day the publication date may mean.")
    published_precision = models.CharField(max_length=8, choices=Precision.choices)
    section = models.CharField(
        max_length=32,
        choices=Section.choices,
        blank=True,
        help_text="Empty until someone assigns it (PubMed records carry no section).",
    )
    origin = models.CharField(max_length=8, choices=Origin.choices)
    source_file = models.CharField(max_length=255, blank=True)
    row = models.PositiveIntegerField(help_text="1-based record of source_file (1 if pasted).")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-imported_at", "row"]
        constraints = [
            # The database refuses a second candidate of one paper in a bank, whoever races.
            models.UniqueConstraint(fields=["bank", "doi"], name="candidate_unique_doi_per_bank"),
            models.CheckConstraint(
                condition=~models.Q(doi="") & models.Q(doi=Lower("doi")),
                name="candidate_doi_normalised",
            ),
            models.CheckConstraint(
                condition=models.Q(published_from__lte=models.F("published_until")),
                name="candidate_published_range",
            ),
            models.CheckConstraint(
                condition=~models.Q(title="") & ~models.Q(abstract=""),
                name="candidate_text_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank.name}:{self.doi}"

    def published_after(self, cutoff: dt.date) -> bool:
        """Whether every day the publication date may mean is after ``cutoff`` (a date)."""
        return published_after(first=self.published_from, cutoff=cutoff)


# --- authoring and review ----------------------------------------------------------------------

# The versions may differ in length by this share of the original's characters unless the bank
# sets its own (AuthoringRules).
DEFAULT_LENGTH_CHANGE_PERCENT = 10
MAX_LENGTH_CHANGE_PERCENT = 50
# Where a drafting prompt puts the candidate's abstract and its marked results passage.
PROMPT_ABSTRACT_SLOT = "<abstract>"
PROMPT_PASSAGE_SLOT = "<passage>"
MAX_DRAFT_TOKENS = 1000


class Role(models.TextChoices):
    AUTHOR = "author", "Author"
    REVIEWER = "reviewer", "Reviewer"


class BankRole(models.Model):
    """A per-bank permission that one of the bank's owners granted: author or reviewer.

    Only holders read the bank's drafts (``workbench.access``); revoking deletes the row, and
    both are in the audit log.
    """

    bank = models.ForeignKey(ItemBank, on_delete=models.CASCADE, related_name="workbench_roles")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workbench_roles"
    )
    role = models.CharField(max_length=8, choices=Role.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["bank", "role", "user"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "user", "role"], name="bankrole_unique"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="bankrole_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.bank.name}:{self.role}:{self.user_id}"


class AuthoringRules(models.Model):
    """A bank's own setting for the authoring checks; a bank without a row uses the defaults."""

    bank = models.OneToOneField(ItemBank, on_delete=models.CASCADE, related_name="authoring_rules")
    max_length_change_percent = models.PositiveSmallIntegerField(
        default=DEFAULT_LENGTH_CHANGE_PERCENT,
        help_text="How much the altered version's length may differ from the original's, "
        "in percent of the original's characters.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_length_change_percent__gte=1)
                & models.Q(max_length_change_percent__lte=MAX_LENGTH_CHANGE_PERCENT),
                name="authoringrules_percent_range",
            )
        ]

    def __str__(self) -> str:
        return f"authoring rules of {self.bank.name}"


class DraftPrompt(models.Model):
    """The prompt a scorer's model drafts altered passages with: one per model, as each scorer
    keeps its own scoring template. ``template`` holds ``<abstract>`` and ``<passage>``; the
    model's greedy continuation, at most ``max_new_tokens`` tokens, replaces the passage."""

    scorer = models.OneToOneField(Scorer, on_delete=models.PROTECT, related_name="draft_prompt")
    template = models.TextField()
    max_new_tokens = models.PositiveIntegerField(default=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(template__contains=PROMPT_ABSTRACT_SLOT)
                & models.Q(template__contains=PROMPT_PASSAGE_SLOT),
                name="draftprompt_template_slots",
                violation_error_message=(
                    f"The template must contain {PROMPT_ABSTRACT_SLOT} and {PROMPT_PASSAGE_SLOT}."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(max_new_tokens__gte=1)
                & models.Q(max_new_tokens__lte=MAX_DRAFT_TOKENS),
                name="draftprompt_tokens_range",
            ),
        ]

    def __str__(self) -> str:
        return f"draft prompt of {self.scorer.name}"


class Draft(models.Model):
    """An altered version of a candidate's abstract on its way to becoming an item.

    ``altered`` is the whole altered abstract; ``passage_start``/``passage_end`` mark the
    results passage of the original (a half-open range of characters, ``abstract[start:end]``)
    that the change must stay inside. ``author`` wrote it, or asked a model to (``source``
    llm, ``drafted_with``); the ``reviewer`` is never the author, and only an accepted draft
    has an ``item``.
    """

    class Status(models.TextChoices):
        DRAFTING = "drafting", "Being drafted by a model"
        DRAFTED = "drafted", "Drafted, waiting for its author"
        FAILED = "failed", "The model could not draft it"
        SUBMITTED = "submitted", "Waiting for review"
        RETURNED = "returned", "Returned to its author"
        ACCEPTED = "accepted", "Accepted"

    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="drafts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=16, choices=Item.Source.choices)
    drafted_with = models.ForeignKey(
        Scorer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    passage_start = models.PositiveIntegerField()
    passage_end = models.PositiveIntegerField()
    altered = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    failed_checks = models.JSONField(
        default=list, blank=True, help_text="The checks a model's draft failed: [message, ...]."
    )
    error = models.TextField(blank=True, help_text="Why the model could not draft it.")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField(blank=True, help_text="The reviewer's last comment.")
    item = models.OneToOneField(
        Item, null=True, blank=True, on_delete=models.PROTECT, related_name="draft"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(passage_start__lt=models.F("passage_end")),
                name="draft_passage_not_empty",
            ),
            # The second expert is never the first, whatever path writes the row.
            models.CheckConstraint(
                condition=models.Q(reviewer__isnull=True) | ~models.Q(reviewer=models.F("author")),
                name="draft_reviewer_not_author",
                violation_error_message="The author of a draft cannot review it.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="accepted")
                | (models.Q(item__isnull=False) & models.Q(reviewer__isnull=False)),
                name="draft_accepted_has_item",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=[
                        "drafting",
                        "drafted",
                        "failed",
                        "submitted",
                        "returned",
                        "accepted",
                    ]
                ),
                name="draft_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=Item.Source.values), name="draft_source_valid"
            ),
            # One accepted item per paper and source in a bank, as the published set has one
            # human-written and one machine-written case per paper at most.
            models.UniqueConstraint(
                fields=["candidate", "source"],
                condition=models.Q(status="accepted"),
                name="draft_one_accepted_per_source",
            ),
        ]

    def __str__(self) -> str:
        return f"draft {self.pk} of {self.candidate}"
