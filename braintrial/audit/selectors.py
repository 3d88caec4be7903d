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
        details = json.dumps(self.details, sort_keys=True, ensure_ascii=False, default=str)
        return f"{self.time}\t{self.actor}\t{self.action}\t{self.object}\t{details}"

    def json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, default=str)


def audit_line(*, entry: LogEntry) -> AuditLine:
    data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
    model = entry.content_type.model if entry.content_type_id else "?"
    action = data.get("event") or f"{model}.{_ACTIONS.get(entry.action, entry.action)}"
    if entry.actor is not None:
        actor = entry.actor.get_username()
    else:
        actor = str(data.get("by") or entry.actor_email or "system")
    details: dict[str, Any] = dict(data.get("details") or {})
    if entry.changes:
        # django-auditlog stores {field: [old, new]}; many-to-many fields as a dict of their own.
        details["changes"] = entry.changes
    if entry.remote_addr:
        details.setdefault("address", entry.remote_addr)
    return AuditLine(
        time=entry.timestamp.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        actor=actor,
        action=action,
        object=f"{model} {entry.object_repr}",
        details=details,
    )
