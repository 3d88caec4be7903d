"""Researcher access to studies: the one gatekeeper every researcher-facing view uses."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone, translation

from braintrial.studies.models import Study, StudyInvitation
from braintrial.studies.texts import study_text_shown

# Reading every study is a permission of its own (superusers hold it): the staff flag only opens
# the admin, whose own model permissions say what may be done there.
READ_ALL = "studies.view_all_studies"


def studies_for_researcher(*, user: User | AbstractBaseUser | AnonymousUser) -> QuerySet[Study]:
    """Studies the user may read: all with the ``view_all_studies`` permission, else the
    studies naming them."""
    if not user.is_authenticated or not user.is_active:
        return Study.objects.none()
    if not isinstance(user, User):
        return Study.objects.none()
    if user.has_perm(READ_ALL):
        return Study.objects.all()
    return Study.objects.filter(researchers=user)


def study_get_for_researcher(*, user: User | AbstractBaseUser | AnonymousUser, slug: str) -> Study:
    """The study with this slug if the user may read it.

    Raises PermissionDenied for anonymous users and Http404 for a study the user may not see, so
    that a researcher cannot learn which other studies exist.
    """
    if not user.is_authenticated:
        raise PermissionDenied("Log in as a researcher of this study.")
    try:
        return studies_for_researcher(user=user).get(slug=slug)
    except Study.DoesNotExist as exc:
        raise Http404("No such study.") from exc


# Who may change a study: the model permission (given to researchers who set up studies) and
# being one of the study's researchers. Staff status alone is not enough: it reads no study.
EDIT_PERMISSION = "studies.change_study"
CREATE_PERMISSION = "studies.add_study"


def study_editable(*, user: User | AbstractBaseUser | AnonymousUser, study: Study) -> bool:
    """Whether ``user`` may change ``study`` (its settings, its bank, its researchers)."""
    if not isinstance(user, User) or not user.is_active:
        return False
    return user.has_perm(EDIT_PERMISSION) and study.researchers.filter(pk=user.pk).exists()


def study_get_for_editor(*, user: User | AbstractBaseUser | AnonymousUser, slug: str) -> Study:
    """The study with this slug if the user may change it.

    Http404 for a study the user may not read (as ``study_get_for_researcher``), PermissionDenied
    for one they may read but not change.
    """
    study = study_get_for_researcher(user=user, slug=slug)
    if not study_editable(user=user, study=study):
        raise PermissionDenied("You may read this study but not change it.")
    return study


def consent_text_for_participants(*, study: Study) -> str:
    """The consent text exactly as the consent page shows it, in the study's language: the
    default text translated, the study's own figures filled in (studies.texts). What a
    participant's consent version records (its SHA-256), wherever it is asked for."""
    with translation.override(study.language):
        return study_text_shown(study=study, field="consent_text")


def consent_digest(*, text: str) -> str:
    """The SHA-256 (hex) of a consent text's UTF-8: its version's identity."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Invitations wait this long for their answer; an old one is of no use to anybody.
INVITATION_DAYS = 30


def study_invitations_pending(*, user: User) -> QuerySet[StudyInvitation]:
    """Invitations waiting for ``user``'s answer, newest first, the expired ones left out."""
    fresh = timezone.now() - timedelta(days=INVITATION_DAYS)
    return StudyInvitation.objects.filter(
        username=user.get_username(), created_at__gte=fresh
    ).order_by("-created_at")


def study_invitations_of(*, study: Study) -> QuerySet[StudyInvitation]:
    """The study's invitations still waiting for an answer (for its researchers to see)."""
    fresh = timezone.now() - timedelta(days=INVITATION_DAYS)
    return study.invitations.filter(created_at__gte=fresh).order_by("username")


# The studies this process has read for the participant pages, by primary key: the version read
# (its ``updated_at``) and the values of its columns. Every participant request names its study,
# and a study row (the consent and instructions texts among its 38 columns) changes only when a
# researcher saves it; reading it with the participant each time cost as much as the rest of the
# request's reads. Every write of a study row moves ``updated_at``: save() sets it, and a
# trigger moves it on any other UPDATE (queryset.update, SQL, a data migration; migration
# studies/0011), so no process serves an old copy after a change, however it was made.
_SAVED_STUDIES: dict[int, tuple[datetime, tuple[Any, ...]]] = {}
_SAVED_STUDIES_MAX = 512


def study_at_version(*, pk: int, updated_at: datetime) -> Study:
    """The study ``pk`` as saved at ``updated_at`` (read from the database in the same query as
    the caller's row): from this process's copy when it is of that version, else read and kept.
    Each caller gets an instance of its own."""
    fields = Study._meta.concrete_fields
    kept = _SAVED_STUDIES.get(pk)
    if kept is not None and kept[0] == updated_at:
        return Study.from_db(DEFAULT_DB_ALIAS, [f.attname for f in fields], kept[1])
    study = Study.objects.get(pk=pk)
    if len(_SAVED_STUDIES) >= _SAVED_STUDIES_MAX:
        _SAVED_STUDIES.clear()
    _SAVED_STUDIES[pk] = (study.updated_at, tuple(getattr(study, f.attname) for f in fields))
    return study
