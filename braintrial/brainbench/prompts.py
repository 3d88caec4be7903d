"""The prompt each published model was scored with (prompt_templates/, one file per model)."""

from __future__ import annotations

from pathlib import Path

from braintrial.brainbench.files import PublishedDataError
from braintrial.brainbench.names import TEMPLATES_DIR
from scoring.config import TEMPLATE_SLOT


def prompt_template_path(*, directory: Path, model: str) -> Path:
    """The data's README names each file after the model, '/' written '--', plus '.txt'."""
    return directory / TEMPLATES_DIR / f"{model.replace('/', '--')}.txt"


def prompt_template_read(*, directory: Path, model: str) -> str:
    """The model's template from ``directory``'s prompt_templates/, or "" when it ships none."""
    path = prompt_template_path(directory=directory, model=model)
    if not path.is_file():
        return ""
    template = path.read_text(encoding="utf-8")
    if TEMPLATE_SLOT not in template:
        raise PublishedDataError(f"{path}: template without {TEMPLATE_SLOT}")
    return template
