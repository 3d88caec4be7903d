"""What each published model is (published_models.csv), as the fields of its scorer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from braintrial.brainbench.cutoffs import stated_cutoff_fields
from braintrial.brainbench.files import PublishedDataError, text_read
from braintrial.brainbench.model_rows import ModelRow, model_rows_parse
from braintrial.brainbench.names import MODELS_FILE


def published_models_read(*, directory: Path, models: list[str]) -> dict[str, dict[str, Any]]:
    """The scorer metadata fields of each of ``models``, from ``directory``'s MODELS_FILE.

    A data folder from before the file was published has none: then every model gets {} and
    its scorer keeps what it has. With the file, every model must be described in it.
    """
    path = directory / MODELS_FILE
    if not path.is_file():
        return {model: {} for model in models}
    rows = model_rows_parse(text=text_read(path=path), name=MODELS_FILE)
    undescribed = [model for model in models if model not in rows]
    if undescribed:
        raise PublishedDataError(f"{MODELS_FILE}: no row for {', '.join(undescribed)}")
    return {
        model: {**scorer_metadata(row=rows[model]), **stated_cutoff_fields(model=model)}
        for model in models
    }


def scorer_metadata(*, row: ModelRow) -> dict[str, Any]:
    """The Scorer fields one row of MODELS_FILE sets."""
    return {
        "family": row.family,
        "params_b": row.params_b,
        "kind": row.kind,
        "base_model": row.base_model,
        "paper_llm": row.paper_llm,
        "released": row.released,
    }


# How the published data's kinds of derived model read after their base model's name.
DERIVED_KIND_WORDS = {"lora": "LoRA fine-tune", "full_finetune": "full fine-tune"}


def _size_words(params_b: float) -> str:
    return f"{params_b * 1000:.0f}M" if params_b < 1 else f"{params_b:g}B"


def published_display_names(
    *, displays: dict[str, str], metadata: dict[str, dict[str, Any]]
) -> dict[str, str]:
    """The name people read for each published model.

    The published scores give a display name for the public models only; for the paper's own
    fine-tunes and from-scratch models they repeat the internal id
    ("finetune_llama2_chat_7b"). Those read as what they are instead, from
    published_models.csv: "Llama-2-7B (chat), LoRA fine-tune", "GPT-2 (124M, trained from
    scratch)". A name that would not be unique, or a model without a description, keeps the
    published one.
    """
    names = dict(displays)
    for model, display in displays.items():
        meta = metadata.get(model, {})
        if display != model or not meta:
            continue
        kind, base = meta.get("kind", ""), meta.get("base_model", "")
        readable = ""
        if kind in DERIVED_KIND_WORDS and base:
            readable = f"{displays.get(base, base)}, {DERIVED_KIND_WORDS[kind]}"
        elif kind == "scratch" and meta.get("family") and meta.get("params_b"):
            readable = f"{meta['family']} ({_size_words(meta['params_b'])}, trained from scratch)"
        if readable and readable not in names.values():
            names[model] = readable
    return names
