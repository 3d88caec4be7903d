"""Admin: scorers are editable until they have scores; runs, scores and model submissions are
read-only (submissions are decided on their dashboard pages, through the services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from braintrial.admin_base import ReadOnlyAdmin
from scoring.config import CONFIG_FIELDS
from scoring.models import ItemScore, ModelSubmission, Scorer, ScoreRun
from scoring.services.runs import score_run_cancel
from scoring.services.scorers import scorer_config_locked
from scoring.services.start import score_run_start


@admin.register(Scorer)
class ScorerAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "display_name",
        "model_source",
        "family",
        "params_b",
        "kind",
        "paper_llm",
        "is_published",
    )
    list_filter = ("is_published", "paper_llm", "kind", "family", "device", "dtype")
    search_fields = ("name", "display_name", "model_source")
    readonly_fields = ("is_published", "created_at", "updated_at")
    actions = ["start_run"]

    def get_readonly_fields(self, request: HttpRequest, obj: Scorer | None = None) -> Any:
        if obj is None:
            return self.readonly_fields
        if obj.is_published:
            return [field.name for field in Scorer._meta.fields]
        if scorer_config_locked(scorer=obj):
            # Its scores describe this configuration; a new configuration is a new scorer.
            return (*self.readonly_fields, *CONFIG_FIELDS)
        return self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Scorer | None = None) -> bool:
        return obj is None or not obj.is_published

    @admin.action(description="Score every test item with the selected scorers (background)")
    def start_run(self, request: HttpRequest, queryset: QuerySet[Scorer]) -> None:
        for scorer in queryset:
            try:
                # The admin is for staff, but the whole-bank rule is the service's to apply.
                run = score_run_start(user=request.user, scorer=scorer)
            except PermissionDenied as exc:
                self.message_user(request, f"{scorer}: {exc}", messages.ERROR)
            except ValidationError as exc:
                self.message_user(request, f"{scorer}: {'; '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"{scorer}: run {run.pk} queued ({run.n_total} items)")


@admin.register(ScoreRun)
class ScoreRunAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "scorer",
        "study",
        "status",
        "progress",
        "tokens_per_second",
        "device_name",
        "created_at",
    )
    list_filter = ("status", "scorer")
    exclude = ("items",)
    readonly_fields = (
        "scorer",
        "study",
        "status",
        "progress",
        "n_done",
        "n_total",
        "tokens_per_second",
        "device_name",
        "batch_size",
        "torch_version",
        "transformers_version",
        "n_tokens",
        "seconds_scoring",
        "config_fingerprint",
        "error",
        "created_at",
        "started_at",
        "finished_at",
    )
    actions = ["cancel_runs"]

    @admin.display(description="progress")
    def progress(self, run: ScoreRun) -> str:
        percent = 100 * run.n_done / run.n_total if run.n_total else 100
        return f"{run.n_done}/{run.n_total} ({percent:.0f}%)"

    @admin.action(description="Cancel the selected runs")
    def cancel_runs(self, request: HttpRequest, queryset: QuerySet[ScoreRun]) -> None:
        for run in queryset:
            try:
                score_run_cancel(run=run)
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.WARNING)
            else:
                self.message_user(request, f"Run {run.pk} cancelled.")


@admin.register(ItemScore)
class ItemScoreAdmin(ReadOnlyAdmin):
    list_display = ("scorer", "item", "ppl_original", "ppl_altered", "correct", "confidence")
    list_filter = ("scorer", "correct", "item__source")
    list_select_related = ("scorer", "item")
    raw_id_fields = ("item", "run")


@admin.register(ModelSubmission)
class ModelSubmissionAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "display_name",
        "hub_id",
        "revision",
        "local_path",
        "status",
        "created_at",
    )
    list_filter = ("status",)
    search_fields = ("display_name", "hub_id", "local_path")
