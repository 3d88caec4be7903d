"""The participant flow's fixtures (a small item bank, an open study), for the pilots' tests."""

from __future__ import annotations

from tests.participants.conftest import bank, study

__all__ = ["bank", "study"]
