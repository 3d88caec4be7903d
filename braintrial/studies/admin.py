"""Study admin: researchers configure every setting of a study here."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.forms.models import construct_instance
from django.http import HttpRequest
from django.utils import timezone

from braintrial.studies.banks import bank_usable_for_study
from braintrial.studies.models import Study
from braintrial.studies.readiness import study_open_check
from braintrial.studies.selectors import consent_text_for_participants
from braintrial.studies.services import (
    consent_version_get_or_create,
    item_bank_claim,
    study_closed_at_follow,
)


def _bank_checked_form(form: type[forms.ModelForm], user: Any) -> type[forms.ModelForm]:
    """``form`` refusing a bank of another team for ``user`` and an open study that is not
    ready (the rules of the study services)."""

    class BankCheckedForm(form):  # type: ignore[valid-type,misc]
        def clean(self) -> dict[str, Any]:
            cleaned: dict[str, Any] = super().clean()
            if not self.errors:
                # The settings as they would be saved, on a copy: the instance itself is
                # written only after every check passed.
                candidate = construct_instance(self, copy.copy(self.instance))
                try:
                    study_open_check(study=candidate)
                except ValidationError as exc:
                    self.add_error(None, exc)
            return cleaned

        def clean_bank(self) -> str:
            name = self.cleaned_data["bank"]
            if "bank" in self.changed_data and not bank_usable_for_study(user=user, name=name):
                raise forms.ValidationError(
                    f"The item bank {name!r} belongs to another team; choose another name."
                )
            return name

    return BankCheckedForm


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    # A completion URL typed without a scheme is taken as https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = [
        "title",
        "slug",
        "is_open",
        "bank",
        "n_human_trials",
        "n_gpt4_trials",
        "n_participants",
        "n_completed",
        "created_at",
    ]
    list_filter = ["is_open", "prolific_mode", "bank"]
    search_fields = ["slug", "title"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["researchers"]
    readonly_fields = ["closed_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "description", "is_open", "researchers"]}),
        (
            "Trials",
            {
                "fields": [
                    "bank",
                    "n_human_trials",
                    "n_gpt4_trials",
                    "practice_enabled",
                    "catch_trials_enabled",
                    "skip_flagged_items",
                    "abandon_after_minutes",
                ]
            },
        ),
        ("Texts", {"fields": ["language", "consent_text", "instructions_text"]}),
        (
            "Participant pages",
            {
                "fields": [
                    "institution",
                    "contact_email",
                    "expected_minutes",
                    "highlight_differences",
                    "show_model_comparison",
                ]
            },
        ),
        (
            "Recruitment and completion",
            {
                "fields": [
                    "prolific_mode",
                    "repeat_policy",
                    "starts_per_address_per_hour",
                    "debrief_detail",
                    "completion_code",
                    "completion_url",
                ]
            },
        ),
        ("Data protection", {"fields": ["identifier_retention_days", "closed_at"]}),
        (
            "Exclusion rules",
            {
                "fields": [
                    "exclude_failed_catch",
                    "catch_rule",
                    "exclude_no_slider",
                    "exclude_outside_help",
                    "outside_help_per_trial",
                    "exclude_recognised",
                    "exclude_fast",
                    "min_rt_ms",
                ]
            },
        ),
    ]

    def get_form(
        self, request: HttpRequest, obj: Study | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return _bank_checked_form(form, request.user)

    def save_model(self, request: HttpRequest, obj: Study, form: Any, change: bool) -> None:
        was_open = Study.objects.filter(pk=obj.pk, is_open=True).exists() if change else True
        study_closed_at_follow(study=obj, was_open=was_open, now=timezone.now())
        super().save_model(request, obj, form, change)
        version = consent_version_get_or_create(text=consent_text_for_participants(study=obj))
        if change and "consent_text" in form.changed_data and obj.participants.exists():
            messages.warning(
                request,
                f"The consent text changed while the study has participants: new participants "
                f"agree to version {version.short}; earlier ones keep the version they agreed to.",
            )
        # Checked by the form; the admin's transaction holds the study and its bank together.
        if "bank" in form.changed_data and isinstance(request.user, User):
            item_bank_claim(user=request.user, name=obj.bank)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Study]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                participant_count=Count("participants", distinct=True),
                completed_count=Count(
                    "participants", filter=Q(participants__status="completed"), distinct=True
                ),
            )
        )

    @admin.display(description="participants", ordering="participant_count")
    def n_participants(self, obj: Study) -> int:
        return obj.participant_count  # type: ignore[attr-defined]

    @admin.display(description="completed", ordering="completed_count")
    def n_completed(self, obj: Study) -> int:
        return obj.completed_count  # type: ignore[attr-defined]
