"""Checksums of a checkpoint a lab already has: a local folder or a mounted model cache.

Pure Python (hashlib), no torch. A changed checkpoint (new weights, a new tokenizer, another
config.json) gives another checksum, and the scoring services treat another checksum as
another configuration. A 140 GB checkpoint takes minutes to read, so each file's digest is
kept per process, keyed by (resolved path, size, modification time): the chunks of a run
after the first only stat the files.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from scoring.engine.config import ScorerConfig

# Files that do not change what the model computes (model cards, licences, pictures).
_DOCUMENTATION = {".md", ".pdf", ".png", ".jpg", ".jpeg", ".gif", ".svg"}
_READ_BYTES = 8 * 2**20

_digests: dict[tuple[str, int, int], str] = {}
_digests_lock = threading.Lock()


def file_sha256(path: Path) -> str:
    """sha256 of one file's bytes, streamed; cached by (resolved path, size, mtime)."""
    real = path.resolve()  # a Hugging Face cache snapshot links each file to a blob
    stat = real.stat()
    key = (str(real), stat.st_size, stat.st_mtime_ns)
    with _digests_lock:
        if key in _digests:
            return _digests[key]
    digest = hashlib.sha256()
    with open(real, "rb") as handle:
        while block := handle.read(_READ_BYTES):
            digest.update(block)
    with _digests_lock:
        _digests[key] = digest.hexdigest()
    return _digests[key]


def checkpoint_files(folder: Path, *, gguf_file: str = "") -> list[Path]:
    """The files that make up a checkpoint folder, sorted by relative name.

    With gguf_file only that file (it holds weights and tokenizer; a folder often holds several
    quantizations). Otherwise every file under the folder except hidden ones (.git, caches) and
    documentation.
    """
    if gguf_file:
        return [folder / gguf_file]
    files = []
    for root, dirs, names in os.walk(folder, followlinks=True):
        dirs[:] = sorted(name for name in dirs if not name.startswith("."))
        for name in names:
            path = Path(root) / name
            if name.startswith(".") or path.suffix.lower() in _DOCUMENTATION:
                continue
            files.append(path)
    return sorted(files, key=lambda path: path.relative_to(folder).as_posix())


def folder_sha256(folder: Path, *, gguf_file: str = "") -> str:
    """sha256 over each file's relative name, size and content digest; "" for no files."""
    files = checkpoint_files(folder, gguf_file=gguf_file)
    if not files:
        return ""
    digest = hashlib.sha256()
    for path in files:
        name = path.relative_to(folder).as_posix()
        digest.update(f"{name}\0{path.stat().st_size}\0{file_sha256(path)}\n".encode())
    return digest.hexdigest()


def weights_checksum(config: ScorerConfig) -> str:
    """Checksum of the scorer's local model folder (and local adapter folder), "" for a
    Hugging Face id (its revision pins it). Raises OSError when a file cannot be read."""
    model = Path(config.model_source.strip()).expanduser()
    if not model.is_dir():
        return ""
    parts = [folder_sha256(model, gguf_file=config.gguf_file)]
    adapter = Path(config.adapter).expanduser() if config.adapter else None
    if adapter is not None and adapter.is_dir():
        parts.append(folder_sha256(adapter))
    if len(parts) == 1:
        return parts[0]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
