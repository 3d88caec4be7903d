"""The item bank: test cases, each one paper in an original and an altered version."""

from __future__ import annotations

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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["bank", "source", "row"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank", "source_file", "row"], name="item_unique_row_per_file"
            ),
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
        return f"{self.bank}:{self.source_file}#{self.row}"
