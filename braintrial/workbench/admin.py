"""Admin of the workbench: the drafting prompt of each model, set by the operators who set up
the scorers. Drafts are not here: only a bank's authors and reviewers read them (access.py)."""

from __future__ import annotations

from django.contrib import admin

from braintrial.workbench.models import DraftPrompt


@admin.register(DraftPrompt)
class DraftPromptAdmin(admin.ModelAdmin):
    list_display = ("scorer", "max_new_tokens", "created_at")
    search_fields = ("scorer__name",)
    autocomplete_fields = ("scorer",)
