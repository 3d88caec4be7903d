"""Shared fixtures. Tests run on real Postgres (see Makefile: make test)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
OUTPUT_DIR = ROOT / "test-output"


def pytest_configure(config: pytest.Config) -> None:
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine.endswith("sqlite3") and not os.environ.get("BRAINTRIAL_ALLOW_SQLITE_TESTS"):
        raise pytest.UsageError(
            "The test suite runs on Postgres: set DATABASE_URL or use 'make test'."
        )
    # No worker consumes the reports queue during the tests: pages compute their reports in
    # the request, except in the tests of the background computation, which switch it on.
    settings.DASHBOARD_BACKGROUND_REPORTS = False


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
