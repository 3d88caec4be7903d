"""API tokens: each lives at most ``API_TOKEN_DAYS`` and ends with a password change.

A token is a password for scripts (``Authorization: Token <key>``), one per user, fetched from
``/api/auth/token/`` with the user's password. Two rules keep one from outliving its reason:

* **A password change revokes it.** Whoever knew the old password could have fetched the token;
  changing the password must lock them out of the API as it does out of the pages (Django ends
  the other sessions). Django calls every password validator's ``password_changed`` whenever
  a user's new password is saved (the admin, ``changepassword``, ``set_password`` and save()),
  so ``TokenRevocation`` sits among ``AUTH_PASSWORD_VALIDATORS`` and deletes the user's token.
* **It expires.** A token is accepted for ``API_TOKEN_DAYS`` (30) after it was made; the token
  endpoint then hands out a new one. Within that time it hands back the same token, so that
  several scripts of one user can log in at once without logging each other out.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, User
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed


def token_max_age() -> timedelta:
    return timedelta(days=int(getattr(settings, "API_TOKEN_DAYS", 30)))


def api_token_issue(*, user: User) -> Token:
    """The user's token: the current one while it is younger than ``API_TOKEN_DAYS``, else a
    new one in its place."""
    fresh_since = timezone.now() - token_max_age()
    with transaction.atomic():
        Token.objects.filter(user=user, created__lt=fresh_since).delete()
        try:
            with transaction.atomic():
                return Token.objects.get_or_create(user=user)[0]
        except IntegrityError:  # made by a simultaneous login: theirs is ours
            return Token.objects.get(user=user)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing tokens older than ``API_TOKEN_DAYS``."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user, token = super().authenticate_credentials(key)
        if token.created < timezone.now() - token_max_age():
            raise AuthenticationFailed("Token expired: fetch a new one from /api/auth/token/.")
        return user, token


class TokenRevocation:
    """Not a rule for passwords: Django's hook for "this user's password has just changed",
    which deletes their API token (see the module's docstring)."""

    def validate(self, password: str, user: AbstractBaseUser | None = None) -> None:
        return None

    def password_changed(self, password: str, user: AbstractBaseUser | None = None) -> None:
        if isinstance(user, User) and user.pk is not None:
            Token.objects.filter(user=user).delete()

    def get_help_text(self) -> str:
        return "Changing the password ends the API token made with the old one."
