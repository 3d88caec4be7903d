"""The audit trail in the admin: read only, for everyone, superusers included."""

from __future__ import annotations

from typing import Any

from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin
from django.http import HttpRequest


class AppendOnlyLogEntryAdmin(LogEntryAdmin):
    """django-auditlog's page, without the delete it allows when a related object goes."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.unregister(LogEntry)
admin.site.register(LogEntry, AppendOnlyLogEntryAdmin)
