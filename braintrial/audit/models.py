"""The chain over the audit log: one seal per entry (django-auditlog's ``LogEntry``), each a
keyed hash of the entry and of the seal before it (braintrial.audit.chain)."""

from __future__ import annotations

from django.db import models


class EntrySeal(models.Model):
    """Seal ``seq`` vouches for one entry as it was written and for every seal before it.

    ``entry_id`` is a plain number, not a foreign key: an entry deleted behind the
    application's back must leave its seal behind, to be named by ``audit_log --verify``.
    ``actor_id`` is the entry's actor when it was sealed: the one change the database lets
    through (the actor becoming empty when the account is deleted) is checked against it.
    """

    seq = models.PositiveBigIntegerField(primary_key=True)
    entry_id = models.BigIntegerField(unique=True)
    actor_id = models.BigIntegerField(null=True)
    key_id = models.CharField(max_length=16)  # which AUDIT_LOG_KEY sealed it
    mac = models.CharField(max_length=64)  # HMAC-SHA256, hex

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"seal {self.seq} of entry {self.entry_id}"
