"""Checks of a submitted model folder before anyone loads it: pure Python, no torch, no Django.

A submitted checkpoint comes from outside. Loading a pickle file (``*.bin``, ``*.pt``, ``*.pth``,
``*.ckpt``, ``*.pkl``) runs whatever code its author put in it, and a ``config.json`` with
``auto_map`` (or ``*.py`` files beside it) asks transformers to run the author's code; both are
refused here, by reading file names and the JSON of config.json only, never the weights.
What passes holds safetensors weights only, a known architecture, and is under the size limit.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

WEIGHT_SUFFIXES = {".safetensors"}
# Serialised Python objects: loading one executes code chosen by whoever wrote the file.
PICKLE_SUFFIXES = {".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".joblib", ".npy", ".npz"}
CODE_SUFFIXES = {".py", ".pyc", ".so", ".dll", ".dylib", ".sh"}
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(\n|\Z)", re.DOTALL)
_LICENSE_LINE = re.compile(r"^license:\s*['\"]?([^'\"\n#]+?)['\"]?\s*(#.*)?$", re.MULTILINE)
LICENSE_MAX_CHARS = 100


class ModelFolderError(Exception):
    """The folder cannot be accepted; the message says why and what to do instead."""


@dataclass(frozen=True)
class ModelFolderReport:
    """What the checks found: the architecture (config.json model_type), total bytes of the
    safetensors files, the licence from the model card ("" when it names none) and one line
    per check passed."""

    model_type: str
    weight_bytes: int
    card_license: str
    checks: list[str] = field(default_factory=list)


def _files(folder: Path) -> list[Path]:
    """Every file under the folder, hidden ones included (a hidden pickle is still a pickle)."""
    found: list[Path] = []
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        found.extend(Path(root) / name for name in sorted(names))
    return found


def _refuse_unsafe_files(folder: Path, files: list[Path]) -> None:
    pickles = [path for path in files if path.suffix.lower() in PICKLE_SUFFIXES]
    if pickles:
        names = ", ".join(path.relative_to(folder).as_posix() for path in pickles[:5])
        raise ModelFolderError(
            f"Pickle checkpoint files are not accepted ({names}): loading them can run any "
            "code. Save the weights as safetensors (save_pretrained(safe_serialization=True)) "
            "and remove the pickle files."
        )
    code = [path for path in files if path.suffix.lower() in CODE_SUFFIXES]
    if code:
        names = ", ".join(path.relative_to(folder).as_posix() for path in code[:5])
        raise ModelFolderError(
            f"Custom code files are not accepted ({names}): only architectures built into "
            "transformers are scored, without remote code."
        )


def _config_read(folder: Path) -> dict[str, object]:
    path = folder / "config.json"
    if not path.is_file():
        raise ModelFolderError("The folder holds no config.json: not a transformers model.")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFolderError(f"config.json cannot be read as JSON: {exc}") from exc
    if not isinstance(config, dict):
        raise ModelFolderError("config.json must hold a JSON object.")
    return config


def _architecture_check(config: dict[str, object], known: set[str]) -> str:
    if "auto_map" in config:
        raise ModelFolderError(
            "config.json has an auto_map: the model needs its own code (remote code), which "
            "is never run here. Submit a model of an architecture built into transformers."
        )
    model_type = config.get("model_type")
    if not isinstance(model_type, str) or not model_type:
        raise ModelFolderError("config.json names no model_type.")
    if model_type not in known:
        raise ModelFolderError(
            f"Unknown architecture {model_type!r}: this transformers version does not know it."
        )
    return model_type


def card_license(folder: Path) -> str:
    """The ``license:`` of the README's front matter (a Hugging Face model card), or ""."""
    readme = folder / "README.md"
    if not readme.is_file():
        return ""
    try:
        text = readme.read_text(encoding="utf-8", errors="replace")[:65536]
    except OSError:
        return ""
    front = _FRONT_MATTER.match(text)
    if front is None:
        return ""
    line = _LICENSE_LINE.search(front.group(1))
    return line.group(1).strip()[:LICENSE_MAX_CHARS] if line else ""


def known_model_types() -> set[str]:
    """The architectures of the installed transformers (its CONFIG_MAPPING), without loading
    any model code."""
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    return set(CONFIG_MAPPING_NAMES)


def model_folder_check(
    folder: Path, *, max_bytes: int, known_types: set[str] | None = None
) -> ModelFolderReport:
    """Check a model folder without loading it; raise ModelFolderError with the reason.

    ``max_bytes``: the largest total size of the safetensors files. Reads file names and
    sizes, config.json and the README's front matter; never a weight file's content.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelFolderError(f"No model folder at {folder}.")
    files = _files(folder)
    _refuse_unsafe_files(folder, files)
    model_type = _architecture_check(
        _config_read(folder), known_model_types() if known_types is None else known_types
    )
    weights = [path for path in files if path.suffix.lower() in WEIGHT_SUFFIXES]
    if not weights:
        raise ModelFolderError("The folder holds no *.safetensors weight files.")
    weight_bytes = sum(path.stat().st_size for path in weights)
    if weight_bytes > max_bytes:
        raise ModelFolderError(
            f"The weights take {weight_bytes / 2**30:.2f} GiB, over the limit of "
            f"{max_bytes / 2**30:.2f} GiB for submitted models."
        )
    checks = [
        "no pickle checkpoint files",
        "no custom code (no auto_map, no code files)",
        f"architecture {model_type!r} is built into transformers",
        f"{len(weights)} safetensors file(s), {weight_bytes} bytes (limit {max_bytes})",
    ]
    return ModelFolderReport(
        model_type=model_type,
        weight_bytes=weight_bytes,
        card_license=card_license(folder),
        checks=checks,
    )
