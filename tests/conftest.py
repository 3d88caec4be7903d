"""Shared fixtures. Tests run on real Postgres (see Makefile: make test)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
OUTPUT_DIR = ROOT / "test-output"
FORM = "application/x-www-form-urlencoded"


def pytest_configure(config: pytest.Config) -> None:
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine.endswith("sqlite3") and not os.environ.get("BRAINTRIAL_ALLOW_SQLITE_TESTS"):
        raise pytest.UsageError(
            "The test suite runs on Postgres: set DATABASE_URL or use 'make test'."
        )


@pytest.fixture
def output_dir() -> Path:
    """Folder for artefacts a test leaves for people to look at (screenshots)."""
    OUTPUT_DIR.mkdir(exist_ok=True)
    return OUTPUT_DIR


@pytest.fixture
def brainbench_dir() -> Path:
    path = Path(settings.BRAINBENCH_DIR)
    if not (path / "BrainBench_Human_v0.1.csv").exists():
        pytest.fail(f"BrainBench data not found at {path} (set BRAINBENCH_DIR)")
    return path


@pytest.fixture
def posts_like_a_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    """Post forms url-encoded, as browsers do; Django's test client would send multipart,
    which participant and login pages refuse (braintrial.security.FormOnlyMiddleware)."""
    original = Client.post

    def post(self: Client, path: str, data: Any = None, content_type: str = FORM, **extra: Any):
        if content_type == FORM and isinstance(data, dict):
            data = urlencode(data, doseq=True)
        return original(self, path, data, content_type, **extra)

    monkeypatch.setattr(Client, "post", post)
