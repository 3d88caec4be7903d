"""The suite's own settings: a fast password hasher for the tests only."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.test import Client


def test_passwords_set_in_the_tests_hash_with_the_fast_hasher() -> None:
    assert make_password("a-long-test-password-7").startswith("md5$")


def test_the_app_keeps_djangos_default_hasher() -> None:
    """The fast hasher is the tests' (tests/conftest.py): the settings module names none, so a
    deployment hashes with Django's default, PBKDF2."""
    import braintrial.settings as app_settings

    assert not hasattr(app_settings, "PASSWORD_HASHERS")


@pytest.mark.django_db
@pytest.mark.usefixtures("posts_like_a_browser")
def test_a_login_checks_a_password_hashed_by_the_fast_hasher() -> None:
    user = get_user_model().objects.create_user("quick", password="a-long-test-password-7")
    assert user.password.startswith("md5$")

    def login(password: str) -> int:
        form = {"username": "quick", "password": password}
        return Client().post("/accounts/login/", form).status_code

    assert login("not-the-password") == 200  # the form again
    assert login("a-long-test-password-7") == 302
