"""Reads of the audit trail: entries of one study (or all), and their one-line and JSON forms."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC
from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

# A model change's event: the model's label and what happened to the row.
_ACTIONS = {
    LogEntry.Action.CREATE: "create",
    LogEntry.Action.UPDATE: "update",
    LogEntry.Action.DELETE: "delete",
    LogEntry.Action.ACCESS: "access",
}


def audit_entries(*, study: Any = None) -> QuerySet[LogEntry]:
    """Every entry, oldest first; with ``study``, those about it: changes to the study and to
    its item bank, and the events recorded for it (downloads, withdrawals, purges, runs)."""
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("timestamp", "pk")
    if study is None:
        return entries
    study_type = ContentType.objects.get_for_model(type(study))
    about = Q(content_type=study_type, object_pk=str(study.pk)) | Q(
        additional_data__study_id=study.pk
    )
    bank_type = ContentType.objects.filter(app_label="items", model="itembank").first()
    if bank_type is not None:
        bank_ids = (
            bank_type.model_class()
            ._default_manager.filter(  # type: ignore[union-attr]
                name=study.bank
            )
            .values_list("pk", flat=True)
        )
        about |= Q(content_type=bank_type, object_pk__in=[str(pk) for pk in bank_ids])
    return entries.filter(about)


@dataclass(frozen=True)
class AuditLine:
    """One entry as the dashboard and ``manage.py audit_log`` show it."""

    time: str  # UTC, ISO 8601
    actor: str
    action: str
    object: str
    details: dict[str, Any]

    def text(self) -> str:
        """Tab-separated; a field cannot hold a tab, a line break or any other character that
        is not printable (a study title can: it is escaped), so one entry is one line."""
        fields = [_field_escape(f) for f in (self.time, self.actor, self.action, self.object)]
        details = json.dumps(self.details, sort_keys=True, ensure_ascii=False, default=str)
        return "\t".join([*fields, _json_escape(details)])

    def json(self) -> str:
        line = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, default=str)
        return _json_escape(line)


def _u_escape(ch: str) -> str:
    """``\\uXXXX`` as JSON writes it (a pair of them past U+FFFF)."""
    code = ord(ch)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _field_escape(text: str) -> str:
    """A backslash is doubled, so that every escape in the output came from escaping."""
    return "".join(
        "\\\\" if ch == "\\" else ch if ch.isprintable() else _u_escape(ch) for ch in text
    )


def _json_escape(text: str) -> str:
    """JSON escapes control characters but leaves others that are not printable (U+0085,
    U+2028, ...), which some terminals and readers take for a line break. Outside strings JSON
    holds none, so each is written as the JSON escape of itself."""
    return "".join(ch if ch.isprintable() else _u_escape(ch) for ch in text)


def _actor_name(entry: LogEntry, data: dict[str, Any]) -> str:
    """Who acted, as they were named when the entry was written (``additional_data["actor"]``,
    braintrial.audit.services.entry_prepare); entries written before it kept no name show the
    account's name now."""
    if data.get("actor"):
        return str(data["actor"])
    if entry.actor is not None:
        return str(entry.actor.get_username())
    return str(data.get("by") or entry.actor_email or "system")


def audit_line(*, entry: LogEntry) -> AuditLine:
    data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
    model = entry.content_type.model if entry.content_type_id else "?"
    action = data.get("event") or f"{model}.{_ACTIONS.get(entry.action, entry.action)}"
    actor = _actor_name(entry, data)
    details: dict[str, Any] = dict(data.get("details") or {})
    if entry.changes:
        # django-auditlog stores {field: [old, new]}; many-to-many fields as a dict of their own.
        details["changes"] = entry.changes
    return AuditLine(
        time=entry.timestamp.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        actor=actor,
        action=action,
        object=f"{model} {entry.object_repr}",
        details=details,
    )
