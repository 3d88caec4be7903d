"""Reading the environment variables that drive braintrial.settings (no Django imports)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

TRUE_WORDS = {"1", "true", "yes", "on"}


def env_bool(name: str, default: bool) -> bool:
    """True for 1/true/yes/on (any case), False for any other text; unset or empty: default."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in TRUE_WORDS


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list, blanks dropped; unset or empty: default."""
    value = os.environ.get(name)
    if not value:
        return default
    return [part.strip() for part in value.split(",") if part.strip()]


def secret_key(*, var_dir: Path) -> str:
    """SECRET_KEY from the environment; embedded, one random key per installation, kept under
    ``var_dir`` so that sessions survive restarts."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    var_dir.mkdir(parents=True, exist_ok=True)
    key_file = var_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
