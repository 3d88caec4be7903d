"""The item workbench's sources: candidate abstracts a lab may turn into items."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from braintrial.items.dates import published_after
from braintrial.items.models import ItemBank


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
