"""What each published model is (published_models.csv), as the fields of its scorer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
    return {model: scorer_metadata(row=rows[model]) for model in models}


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
