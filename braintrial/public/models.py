"""A release: a numbered, frozen snapshot of a study's results, and the files it downloads as.

Nothing updates or deletes these rows: no code path does, and on Postgres a trigger refuses it
for every role (migration 0001, as for the audit log). A release is written once, in the
transaction that freezes it (braintrial.public.releases.services).
"""

from __future__ import annotations

import hashlib

from django.db import models

from braintrial.studies.models import Study


class Release(models.Model):
    """Release ``number`` (v1, v2, ...) of a study, with the report it was frozen from.

    ``report`` is the study report (analysis.types.StudyReport) exactly as the dashboard showed
    it for ``data_version``; ``checksum`` is the SHA-256 of the package's SHA256SUMS file, which
    names the SHA-256 of every other file: one value vouches for the whole package.
    """

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="releases")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)  # the user name as it was (never shown)
    data_version = models.CharField(max_length=32)
    report = models.JSONField()
    n_participants = models.PositiveIntegerField()
    n_trials = models.PositiveIntegerField()
    n_items = models.PositiveIntegerField()
    n_scorers = models.PositiveIntegerField()
    checksum = models.CharField(max_length=64)

    class Meta:
        ordering = ["study", "number"]
        constraints = [
            models.UniqueConstraint(fields=["study", "number"], name="release_number_per_study"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="release_number_from_1"),
        ]

    def __str__(self) -> str:
        return f"{self.study.slug} {self.label}"

    @property
    def label(self) -> str:
        return f"v{self.number}"


class ReleaseItem(models.Model):
    """One item as the release froze it: its id, the SHA-256 of its content (texts, DOI,
    section, source, kind) and its version (``Item.version``). ``texts_public``:
    whether its texts are in the package (held-out items' are not)."""

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="items")
    item_id = models.BigIntegerField()  # a plain number: the item may change later, this stays
    content_sha256 = models.CharField(max_length=64)
    version = models.PositiveIntegerField(null=True, blank=True)
    texts_public = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "item_id"], name="release_item_once"),
        ]

    def __str__(self) -> str:
        return f"item {self.item_id} of release {self.release_id}"


class ReleaseFile(models.Model):
    """One file of the release's package, byte for byte, with its SHA-256."""

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="files")
    path = models.CharField(max_length=200)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["release", "path"]
        constraints = [
            models.UniqueConstraint(fields=["release", "path"], name="release_file_once"),
        ]

    def __str__(self) -> str:
        return self.path

    @staticmethod
    def sha256_of(content: bytes) -> str:
        return hashlib.sha256(content).hexdigest()
