"""Writes of studies."""

from __future__ import annotations

from typing import Any

from braintrial.studies.models import Study


def study_create(*, slug: str, title: str, **settings: Any) -> Study:
    """Create a study after validating every field (the same checks as the admin)."""
    study = Study(slug=slug, title=title, **settings)
    study.full_clean()
    study.save()
    return study
