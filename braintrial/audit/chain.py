"""The audit log as a chain: each entry is sealed, in the transaction that writes it, by an
HMAC (``settings.AUDIT_LOG_KEY``) over the entry as stored and the previous seal's HMAC.

The database roles keep the application from changing the log (docs/operations.md); the chain
shows what someone with the owner's credentials changed anyway: an entry changed, deleted or
inserted behind the application's back, or the log emptied and filled again, no longer
verifies, and ``manage.py audit_log --verify`` names the first such entry. The key lives with
the application, not in the database, so the owner of the tables cannot compute a seal.

What a chain cannot show: the newest entries removed together with their seals, or the whole
log emptied. ``--verify`` prints the head (the last seal) so that an operator can keep it
elsewhere and compare.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction

from braintrial.audit.models import EntrySeal

# Every column of an entry; the seal covers them all.
ENTRY_FIELDS = (
    "id",
    "content_type_id",
    "object_pk",
    "object_id",
    "object_repr",
    "serialized_data",
    "action",
    "changes_text",
    "changes",
    "actor_id",
    "actor_email",
    "cid",
    "remote_addr",
    "remote_port",
    "timestamp",
    "additional_data",
)
GENESIS = "0" * 64  # the "previous seal" of the first one
# pg_advisory_xact_lock's key: one writer at a time extends the chain, until it commits.
_CHAIN_LOCK = 0x62744155


def chain_key() -> bytes:
    return str(settings.AUDIT_LOG_KEY).encode()


def key_id(key: bytes) -> str:
    """A short name of the key (not the key): tells a changed key from a changed entry."""
    return hmac.new(key, b"braintrial audit key id", hashlib.sha256).hexdigest()[:16]


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value


def seal_mac(*, key: bytes, seq: int, previous: str, row: dict[str, Any]) -> str:
    """HMAC-SHA256 over the seal's place, the previous seal and the entry's columns, as read
    back from the database (so that writing and verifying hash the same values)."""
    body = json.dumps(
        {name: _canonical(row[name]) for name in ENTRY_FIELDS},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    message = f"{seq}\n{previous}\n{body}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def entry_row(entry_id: int) -> dict[str, Any]:
    return dict(LogEntry.objects.filter(pk=entry_id).values(*ENTRY_FIELDS).get())


def entry_seal(sender: Any, instance: LogEntry, created: bool, **kwargs: Any) -> None:
    """``post_save`` of every new entry: seal it, in its transaction when it has one (else the
    entry is already stored, and a crash before the seal leaves it unsealed: --verify names
    it). Writers take turns: the lock is held until the entry's transaction ends."""
    if not created or kwargs.get("raw"):
        return
    key = chain_key()
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":  # SQLite writes one transaction at a time
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        last = EntrySeal.objects.order_by("-seq").first()
        seq = last.seq + 1 if last else 1
        row = entry_row(instance.pk)
        EntrySeal.objects.create(
            seq=seq,
            entry_id=instance.pk,
            actor_id=row["actor_id"],
            key_id=key_id(key),
            mac=seal_mac(key=key, seq=seq, previous=last.mac if last else GENESIS, row=row),
        )


@dataclass(frozen=True)
class ChainProblem:
    entry_id: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    entries: int
    problems: list[ChainProblem]  # by entry id; the first is the first entry that fails
    head: EntrySeal | None  # the last seal


def _actor_problem(row: dict[str, Any], seal: EntrySeal) -> str | None:
    """The actor may have become empty since the seal only if that account is gone."""
    if row["actor_id"] == seal.actor_id:
        return None
    gone = seal.actor_id is not None and not User.objects.filter(pk=seal.actor_id).exists()
    if row["actor_id"] is None and gone:
        row["actor_id"] = seal.actor_id  # the account was deleted: hash what was sealed
        return None
    return "its actor was changed"


def _seal_problem(
    row: dict[str, Any] | None, seal: EntrySeal, *, key: bytes, previous: str
) -> str | None:
    if row is None:
        return f"it was deleted (seal {seal.seq} names it)"
    if seal.key_id != key_id(key):
        return "it was sealed under another AUDIT_LOG_KEY"
    actor = _actor_problem(row, seal)
    if actor:
        return actor
    if not hmac.compare_digest(
        seal.mac, seal_mac(key=key, seq=seal.seq, previous=previous, row=row)
    ):
        return "it was changed, or its seal was"
    return None


def chain_verify() -> ChainReport:
    """Every entry against its seal and every seal against the one before it."""
    key = chain_key()
    rows = {row["id"]: row for row in LogEntry.objects.values(*ENTRY_FIELDS).iterator()}
    entries = len(rows)
    problems: list[ChainProblem] = []
    previous, expected, head = GENESIS, 1, None
    for seal in EntrySeal.objects.order_by("seq").iterator():
        if seal.seq != expected:
            problems.append(
                ChainProblem(
                    seal.entry_id, f"seals {expected} to {seal.seq - 1} before it are gone"
                )
            )
        reason = _seal_problem(rows.pop(seal.entry_id, None), seal, key=key, previous=previous)
        if reason:
            problems.append(ChainProblem(seal.entry_id, reason))
        previous, expected, head = seal.mac, seal.seq + 1, seal
    problems += [ChainProblem(pk, "it has no seal: written outside the application") for pk in rows]
    return ChainReport(
        entries=entries, problems=sorted(problems, key=lambda p: p.entry_id), head=head
    )
