"""API tokens end with a password change and expire (braintrial.api.tokens).

Before: a token survived a password change, and /api/auth/token/ handed back the same token
forever, so whoever once had the password kept the API.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.forms import SetPasswordForm
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import user_make

pytestmark = pytest.mark.django_db

PASSWORD = "an-old-long-password"
NEW_PASSWORD = "a-new-long-password-2"


def _token(password: str = PASSWORD) -> str:
    reply = APIClient().post(
        "/api/auth/token/", {"username": "scripter", "password": password}, format="json"
    )
    assert reply.status_code == 200, reply.content
    return str(reply.json()["token"])


def _status(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/studies/").status_code


def test_a_password_change_ends_the_token() -> None:
    user = user_make("scripter", password=PASSWORD, staff=True)
    old = _token()
    assert _status(old) == 200
    assert _token() == old  # the same token while it lasts: parallel scripts keep working
    # As the admin's password page and `changepassword` change it.
    form = SetPasswordForm(user, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert form.is_valid(), form.errors
    form.save()
    assert _status(old) == 401
    new = _token(NEW_PASSWORD)
    assert new != old and _status(new) == 200


def test_set_password_and_save_end_the_token_too() -> None:
    user = user_make("scripter", password=PASSWORD, staff=True)
    old = _token()
    user.set_password(NEW_PASSWORD)
    user.save()
    assert _status(old) == 401


def test_a_token_expires_and_the_endpoint_then_hands_out_a_new_one(settings) -> None:
    settings.API_TOKEN_DAYS = 30
    user_make("scripter", password=PASSWORD, staff=True)
    old = _token()
    Token.objects.filter(key=old).update(created=Token.objects.get(key=old).created - timedelta(29))
    assert _status(old) == 200 and _token() == old
    Token.objects.filter(key=old).update(created=Token.objects.get(key=old).created - timedelta(2))
    assert _status(old) == 401
    new = _token()
    assert new != old and _status(new) == 200
