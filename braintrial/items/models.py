"""The item bank: test cases, each one paper in an original and an altered version."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from braintrial.items.bank_names import PUBLISHED_BANK


class ItemBank(models.Model):
    """Who owns a bank, looked up by name (``Item.bank`` and ``Study.bank`` hold the name).

    Who may read a bank is decided in ``studies.banks`` (``bank_readable``); owners may also
    import into it. A public bank (the published BrainBench items, the built-in practice and catch
    items) is readable by everyone.
    """

    name = models.SlugField(max_length=64, unique=True)
    owners = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="item_banks")
    is_public = models.BooleanField(
        default=False, help_text="Readable by every researcher (published data only)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    """One test case. ``original`` is the published abstract (the correct answer)."""

    class Kind(models.TextChoices):
        TEST = "test", "Test case"
        PRACTICE = "practice", "Practice item"
        CATCH = "catch", "Catch item"

    class Source(models.TextChoices):
        HUMAN = "human", "Human-written"
        GPT4 = "gpt4", "GPT-4-written"
        # Drafted by a language model in the item workbench, then checked by people.
        LLM = "llm", "Model-drafted"

    class Retirement(models.TextChoices):
        CURRENT = "", "Current"
        SUPERSEDED = "superseded", "Superseded by a newer version"
        RETIRED = "retired", "Retired"

    bank = models.SlugField(
        max_length=64,
        default=PUBLISHED_BANK,
        help_text="Item bank the case belongs to; a study draws its test cases from one bank.",
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.TEST)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.HUMAN)
    source_file = models.CharField(max_length=255, help_text="File the case was imported from.")
    row = models.PositiveIntegerField(help_text="1-based data row in source_file.")
    abstract_id = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="1-based row of the paper in the human-written file; shared by the GPT-4 case "
        "of the same paper.",
    )
    doi = models.CharField(max_length=255, blank=True)
    journal_section = models.CharField(max_length=128, blank=True)
    # Written from the item workbench's candidate (empty for the published files, which name
    # none); its publication date goes to published_first/last like any item's.
    journal = models.CharField(max_length=255, blank=True)
    original = models.TextField()
    altered = models.TextField()
    differences = models.JSONField(
        default=list,
        help_text='Word-level diff: [{"original": "...", "altered": "..."}, ...].',
    )
    defect = models.TextField(
        blank=True, help_text="Known defect of the published row, kept as published."
    )
    # When the paper was published, as the range of days its date may mean (items.dates): one
    # day, a month, a year (the published items: the year their DOI names) or a range.
    published_first = models.DateField(
        null=True, blank=True, help_text="First day the publication date may mean."
    )
    published_last = models.DateField(
        null=True, blank=True, help_text="Last day the publication date may mean."
    )
    published_precision = models.CharField(
        max_length=8,
        blank=True,
        choices=[
            ("", "no date"),
            ("day", "day"),
            ("month", "month"),
            ("year", "year"),
            ("range", "range"),
        ],
        help_text="How precise the date is; empty where the item has none.",
    )
    published_source = models.CharField(
        max_length=300,
        blank=True,
        help_text="Where the date comes from (the item file's published column, the year in "
        "the DOI); empty where the item has none.",
    )
    combined = models.TextField(
        blank=True,
        help_text="combined_abstract as the imported file had it (empty where it had none); "
        "the bank's export writes it back unchanged.",
    )
    # Versions: an edit never overwrites a row a trial may point to; it adds a row with the same
    # lineage and the next version number and retires the old one (retirement "superseded").
    lineage = models.UUIDField(
        default=uuid.uuid4,
        editable=False,
        help_text="Shared by every version of one test case.",
    )
    version = models.PositiveIntegerField(default=1, help_text="1, 2, ... within the lineage.")
    retired_at = models.DateTimeField(
        null=True, blank=True, help_text="When the version stopped being served; null: current."
    )
    retirement = models.CharField(
        max_length=16, choices=Retirement.choices, blank=True, default=Retirement.CURRENT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["bank", "source", "row"]
        constraints = [
            # Every version of a row keeps the row's place in its file.
            models.UniqueConstraint(
                fields=["bank", "source_file", "row", "version"], name="item_unique_row_per_file"
            ),
            models.UniqueConstraint(fields=["lineage", "version"], name="item_unique_version"),
            # At most one version of a test case is current: two edits at once cannot both win.
            models.UniqueConstraint(
                fields=["lineage"],
                condition=models.Q(retired_at__isnull=True),
                name="item_one_current_version",
            ),
            models.CheckConstraint(
                condition=(models.Q(retired_at__isnull=True) & models.Q(retirement=""))
                | (models.Q(retired_at__isnull=False) & ~models.Q(retirement="")),
                name="item_retired_has_reason",
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="item_version_1_up"),
            models.CheckConstraint(
                condition=~models.Q(original=models.F("altered")), name="item_versions_differ"
            ),
            models.CheckConstraint(
                condition=~models.Q(original="") & ~models.Q(altered=""),
                name="item_versions_not_empty",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(published_first__isnull=True, published_last__isnull=True)
                    # Both days named: a comparison with NULL would pass a CHECK unseen.
                    | models.Q(
                        published_first__isnull=False,
                        published_last__isnull=False,
                        published_first__lte=models.F("published_last"),
                    )
                ),
                name="item_published_range",
                violation_error_message="A publication date needs its first and last day, in "
                "order.",
            ),
        ]
        indexes = [models.Index(fields=["bank", "kind", "source"])]

    def __str__(self) -> str:
        version = f" v{self.version}" if self.version > 1 else ""
        return f"{self.bank}:{self.source_file}#{self.row}{version}"

    @property
    def is_current(self) -> bool:
        return self.retired_at is None
