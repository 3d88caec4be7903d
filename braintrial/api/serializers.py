"""Output shapes of the API (read-only); inputs are declared next to the API that takes them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from braintrial.analysis.rules import (
    participant_rule_reasons,
    reasons_held,
    trial_exclusion_reasons,
)
from braintrial.items.models import Item
from braintrial.participants.models import Participant, Trial
from braintrial.studies.models import STUDY_SETTINGS, Study
from braintrial.studies.readiness import study_readiness
from scoring.models import ItemScore, Scorer, ScoreRun

STUDY_FIELDS = list(STUDY_SETTINGS)


class ReadinessOutput(serializers.Serializer):
    ready = serializers.BooleanField()
    can_open = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())


class StudyOutput(serializers.ModelSerializer):
    # Blank when the study has none, so not declared as a URI.
    completion_url = serializers.CharField(
        read_only=True, help_text="Where participants are sent at the end; empty for none."
    )
    contact_email = serializers.CharField(
        read_only=True, help_text="Whom participants may write to; empty for none."
    )
    readiness = serializers.SerializerMethodField(
        help_text="Whether the study admits participants now (ready), could be opened "
        "(can_open), and every reason it does not, with the numbers (studies.readiness)."
    )

    class Meta:
        model = Study
        fields = ["id", *STUDY_FIELDS, "readiness", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(ReadinessOutput)
    def get_readiness(self, study: Study) -> dict[str, object]:
        readiness = study_readiness(study=study)
        return {
            "ready": readiness.ready,
            "can_open": readiness.can_open,
            "reasons": readiness.reasons,
        }


class ItemOutput(serializers.ModelSerializer):
    """An item. Its texts (original, altered, differences) are empty where they are withheld
    from the reader (studies.heldout): the serializer's context must name ``withheld``, the ids
    the reader may not read the texts of, so a view that forgets it fails instead of leaking."""

    held_out = serializers.SerializerMethodField(
        help_text="True where a study holds the item out of public downloads and you are not "
        "one of its researchers: its texts are empty here. Its trials and scores count as any "
        "other's."
    )

    class Meta:
        model = Item
        fields = [
            "id", "bank", "kind", "source", "source_file", "row", "abstract_id", "doi",
            "journal_section", "original", "altered", "differences", "defect",
            "published_first", "published_last", "published_precision", "published_source",
            "created_at", "updated_at", "held_out",
        ]  # fmt: skip
        read_only_fields = fields

    def get_held_out(self, item: Item) -> bool:
        return item.pk in self.context["withheld"]

    def to_representation(self, instance: Item) -> dict[str, object]:
        data = super().to_representation(instance)
        if data["held_out"]:
            data.update(original="", altered="", differences=[])
        return data


# The reasons each row is checked for, in the order of the exports' excluded_by column.
TRIAL_REASONS = [name for name, _ in trial_exclusion_reasons()]
PARTICIPANT_REASONS = [name for name, _ in participant_rule_reasons()]


class ExcludedFields(serializers.Serializer):
    """``excluded`` and ``excluded_by`` of a row annotated with its study's exclusion reasons
    (``analysis.rules.reasons_annotate``): the same conditions as the CSV exports."""

    reasons: list[str] = []
    excluded = serializers.SerializerMethodField(
        help_text="True if an analysis under the study's rules leaves this row out."
    )
    excluded_by = serializers.SerializerMethodField(
        help_text="Why, as in the exports' excluded_by column (empty when kept)."
    )

    def get_excluded(self, row: object) -> bool:
        return bool(reasons_held(row, names=self.reasons))

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_excluded_by(self, row: object) -> list[str]:
        return reasons_held(row, names=self.reasons)


class ParticipantOutput(ExcludedFields, serializers.ModelSerializer):
    reasons = PARTICIPANT_REASONS
    study: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    consent_version = serializers.CharField(
        source="consent_version.short",
        default=None,
        read_only=True,
        allow_null=True,
        help_text="First 12 hex digits of the SHA-256 of the consent text agreed to (or "
        "declined), as in participants.csv.",
    )

    class Meta:
        model = Participant
        fields = [
            "id", "public_id", "study", "status", "recruitment_source", "recruitment_id",
            "prolific_study_id", "prolific_session_id", "gender", "age", "country", "position",
            "experience_years", "outside_help", "feedback", "flag_failed_catch",
            "flag_no_slider", "flag_outside_help", "consented_at", "declined_at",
            "instructions_done_at", "started_at", "last_seen_at", "completed_at", "released_at",
            "updated_at", "consent_version", "withdrawn_at", "excluded", "excluded_by",
        ]  # fmt: skip
        read_only_fields = fields


class TrialOutput(ExcludedFields, serializers.ModelSerializer):
    reasons = TRIAL_REASONS
    study: serializers.SlugRelatedField = serializers.SlugRelatedField(
        source="participant.study", slug_field="slug", read_only=True
    )

    class Meta:
        model = Trial
        fields = [
            "id", "study", "participant", "item", "position", "kind", "original_is_a",
            "shown_at", "answered_at", "choice", "correct", "confidence", "expertise",
            "recognised", "rt_server_ms", "rt_client_ms", "blur_count", "confidence_moved",
            "expertise_moved", "flag_recognised", "flag_fast", "excluded", "excluded_by",
        ]  # fmt: skip
        read_only_fields = fields


class ScorerOutput(serializers.ModelSerializer):
    config_fingerprint = serializers.CharField(read_only=True)

    class Meta:
        model = Scorer
        fields = [
            "id", "name", "display_name", "model_source", "gguf_file", "revision", "dtype",
            "device", "prompt_template", "adapter", "bos", "is_published", "config_fingerprint",
            "released", "cutoff_first", "cutoff_last", "cutoff_source", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class ScoreRunOutput(serializers.ModelSerializer):
    scorer: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="name", read_only=True
    )
    study: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    # Of a run over the whole item bank, only its items in banks the reader may read
    # (scoring.selectors.score_runs_counted_in).
    n_total = serializers.SerializerMethodField()
    n_done = serializers.SerializerMethodField()

    class Meta:
        model = ScoreRun
        fields = [
            "id", "scorer", "study", "status", "n_total", "n_done", "tokens_per_second",
            "device_name", "batch_size", "torch_version", "transformers_version", "error",
            "created_at", "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_n_total(self, run: ScoreRun) -> int:
        return int(getattr(run, "n_total_shown", run.n_total))

    def get_n_done(self, run: ScoreRun) -> int:
        return int(getattr(run, "n_done_shown", run.n_done))


class ItemScoreOutput(serializers.ModelSerializer):
    scorer: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="name", read_only=True
    )

    class Meta:
        model = ItemScore
        fields = [
            "id", "scorer", "item", "run", "n_tokens_original", "n_tokens_altered",
            "nll_sum_original", "nll_sum_altered", "nll_mean_original", "nll_mean_altered",
            "ppl_original", "ppl_altered", "correct", "confidence", "zlib_length_original",
            "config_fingerprint", "created_at",
        ]  # fmt: skip
        read_only_fields = fields
