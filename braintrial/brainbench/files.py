"""Finding and reading the published data files; the one error every importer here raises."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from django.conf import settings


class PublishedDataError(ValueError):
    """The published data cannot be imported; the message names the file and the row or line.

    Raised before anything is written, or from inside the import's transaction: either way
    nothing of that import is stored.
    """


def data_directory(directory: Path | None = None) -> Path:
    """The folder holding the published data: ``directory``, else settings.BRAINBENCH_DIR."""
    return Path(directory if directory is not None else settings.BRAINBENCH_DIR)


def directory_check(*, directory: Path, names: Sequence[str]) -> None:
    """Refuse a folder that lacks any of ``names``, saying where the data is published."""
    listed = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
    hint = (
        f"The BrainBench data is published with Luo et al. (2024) at "
        f"{settings.BRAINBENCH_PUBLIC_URL}; download {listed} into one folder and pass its path "
        "(or set BRAINBENCH_DIR)."
    )
    if not directory.is_dir():
        raise PublishedDataError(f"{directory}: no such directory. {hint}")
    missing = [name for name in names if not (directory / name).is_file()]
    if missing:
        raise PublishedDataError(f"{directory}: missing {', '.join(missing)}. {hint}")


def text_read(*, path: Path) -> str:
    """A published file's text (UTF-8, a byte-order mark dropped)."""
    if not path.is_file():
        raise PublishedDataError(f"{path}: no such file")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PublishedDataError(f"{path.name}: is not valid UTF-8 ({exc})") from exc
    except OSError as exc:
        raise PublishedDataError(f"{path}: cannot be read ({exc.strerror})") from exc
