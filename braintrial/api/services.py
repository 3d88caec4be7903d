"""Writes the API makes on a researcher's behalf. Each checks access, then calls the owning
app's service (studies, items, scoring), so the API adds no business rules of its own."""

from __future__ import annotations

from typing import IO, Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from braintrial.items.services import ImportReport, items_import_content
from braintrial.studies.models import Study
from braintrial.studies.selectors import studies_for_researcher
from braintrial.studies.services import study_create
from scoring.models import Scorer, ScoreRun
from scoring.services import score_run_create


class ApiInputError(ValueError):
    """Input that passed the serializer but that the data refuses (400)."""


def study_create_for_researcher(*, user: User, fields: dict[str, Any]) -> Study:
    """Create a study and name its creator as one of its researchers, both or neither."""
    try:
        with transaction.atomic():
            study = study_create(**fields)
            study.researchers.add(user)
    except IntegrityError as exc:  # a concurrent create of the same slug
        raise ApiInputError(f"A study with slug {fields.get('slug')!r} exists already.") from exc
    return study


def items_import_for_researcher(
    *, user: User, study: Study, upload: IO[bytes], name: str, source: str
) -> ImportReport:
    """Import a test-case CSV into the study's item bank.

    A bank may be shared by several studies: only staff, or a researcher of every study that
    draws from it, may change it. Raises ItemImportError for a file that cannot be imported.
    """
    if not user.is_staff:
        others = Study.objects.filter(bank=study.bank).exclude(
            pk__in=studies_for_researcher(user=user).values("pk")
        )
        if others.exists():
            raise PermissionDenied(
                f"Item bank {study.bank!r} is shared with studies you are not a researcher of; "
                "ask staff to import into it."
            )
    return items_import_content(content=upload, name=name, bank=study.bank, source=source)


def score_run_start_for_researcher(
    *, user: User, scorer_name: str, study: Study | None, limit: int | None
) -> ScoreRun:
    """Start a scoring run; ``study`` was fetched through the gatekeeper. Runs over the whole
    item bank (no study) are for staff. Raises django ValidationError for refused runs."""
    if study is None and not user.is_staff:
        raise PermissionDenied("Only staff may score the whole item bank; name a study.")
    try:
        scorer = Scorer.objects.get(name=scorer_name)
    except Scorer.DoesNotExist as exc:
        raise ApiInputError(f"No scorer named {scorer_name!r}.") from exc
    return score_run_create(scorer=scorer, study=study, limit=limit)
