"""Fixtures for the scoring tests: a fake engine, and a tiny real model built once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scoring.services import engines
from tests.scoring.fakes import FakeEngine
from tests.scoring.tinymodel import build_tiny_model

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny GPT-2 whose tokenizer puts BOS first by default (like Llama)."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def tiny_model_nobos_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same model with a tokenizer that adds no special tokens (like SmolLM2)."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model-nobos"), tokenizer_adds_bos=False)


@pytest.fixture(scope="session")
def brainbench_csv_dir() -> Path:
    """The BrainBench CSVs, read in place (settings-free, so engine tests need no Django)."""
    path = Path(os.environ.get("BRAINBENCH_DIR", REPO.parent / "shared" / "data" / "brainbench"))
    if not (path / "BrainBench_Human_v0.1.csv").is_file():
        pytest.fail(f"BrainBench data not found at {path} (set BRAINBENCH_DIR)")
    return path


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> FakeEngine:
    """Every scorer loads this fake in place of a model; set its delay_s or error as needed."""
    engine = FakeEngine()
    monkeypatch.setattr(engines, "scorer_engine_load", lambda *, scorer: engine)
    return engine
