"""Who may use the API: researchers only. A participant's study cookie is not an
authentication method here, so participants are anonymous to the API."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from braintrial.studies.selectors import studies_for_researcher


class IsResearcher(BasePermission):
    """Staff, or a user named as researcher on at least one study."""

    message = "The API is for researchers: your account is not named on any study."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        return bool(user.is_staff or studies_for_researcher(user=user).exists())


class CanCreateStudy(BasePermission):
    """Staff, or a user given the ``studies.add_study`` permission (in the admin)."""

    message = "Creating studies needs the 'Can add study' permission."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        return bool(user.is_staff or user.has_perm("studies.add_study"))
