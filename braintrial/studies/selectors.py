"""Researcher access to studies: the one gatekeeper every researcher-facing view uses."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from braintrial.studies.models import Study


def studies_for_researcher(*, user: User | AbstractBaseUser | AnonymousUser) -> QuerySet[Study]:
    """Studies the user may read: all for staff, the studies naming them otherwise."""
    if not user.is_authenticated or not user.is_active:
        return Study.objects.none()
    if not isinstance(user, User):
        return Study.objects.none()
    if user.is_staff:
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
