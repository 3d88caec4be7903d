"""Item bank services: diff of the two versions, CSV and BrainBench import."""

from __future__ import annotations

from braintrial.items.services.diff import Passage, differences_compute

__all__ = ["Passage", "differences_compute"]
