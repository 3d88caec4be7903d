"""Reads behind the exports: which studies a request covers."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from braintrial.studies.models import Study
from braintrial.studies.selectors import studies_for_researcher, study_get_for_researcher

ALL_STUDIES = "all"


def export_studies(*, user: AbstractBaseUser | AnonymousUser, scope: str) -> QuerySet[Study]:
    """The studies an export covers: every study the user may read (``scope == "all"``) or the
    one with slug ``scope``, through the researcher gatekeeper (Http404 if not theirs)."""
    if scope == ALL_STUDIES:
        return studies_for_researcher(user=user)
    study = study_get_for_researcher(user=user, slug=scope)
    return Study.objects.filter(pk=study.pk)


def export_single(studies: QuerySet[Study], *, scope: str) -> Study | None:
    """The one study of a file for one study (already through the gatekeeper), else None."""
    return None if scope == ALL_STUDIES else studies.get()
