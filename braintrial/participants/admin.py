"""Read-only admin for participants and trials: answers are never edited by hand."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from braintrial.admin_base import ReadOnlyAdmin
from braintrial.participants.models import Participant, Trial

TRIAL_INLINE_FIELDS: tuple[str, ...] = (
    "position",
    "kind",
    "item",
    "original_is_a",
    "choice",
    "correct",
    "confidence",
    "expertise",
    "recognised",
    "rt_server_ms",
    "flag_recognised",
    "flag_fast",
)


class TrialInline(admin.TabularInline):
    model = Trial
    extra = 0
    can_delete = False
    show_change_link = True
    fields = TRIAL_INLINE_FIELDS
    readonly_fields = TRIAL_INLINE_FIELDS

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Participant)
class ParticipantAdmin(ReadOnlyAdmin):
    list_display = [
        "public_id",
        "study",
        "status",
        "recruitment_source",
        "recruitment_id",
        "started_at",
        "completed_at",
        "flag_failed_catch",
        "flag_no_slider",
        "flag_outside_help",
    ]
    list_filter = ["study", "status", "recruitment_source", "flag_failed_catch"]
    search_fields = ["public_id", "recruitment_id"]
    list_select_related = ["study"]
    exclude = ["token_hash"]
    inlines = [TrialInline]


@admin.register(Trial)
class TrialAdmin(ReadOnlyAdmin):
    list_display = [
        "participant",
        "position",
        "kind",
        "item",
        "choice",
        "correct",
        "confidence",
        "expertise",
        "rt_server_ms",
        "flag_recognised",
        "flag_fast",
    ]
    list_filter = ["participant__study", "kind", "correct", "flag_recognised", "flag_fast"]
    list_select_related = ["participant__study", "item"]
    raw_id_fields = ["participant", "item"]
