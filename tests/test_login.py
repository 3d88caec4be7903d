"""Password guessing is throttled on every way in, and a login starts a new session.

Before: /accounts/login/ and /admin/login/ took unlimited guesses, and the API token endpoint
counted them under whatever X-Forwarded-For the client sent.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.cache import cache
from django.test import Client, override_settings
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password-7"
LIMIT = settings.AXES_FAILURE_LIMIT


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()  # DRF's throttle counts
    yield
    cache.clear()


@pytest.fixture
def researcher():
    return get_user_model().objects.create_user(
        "researcher", password=PASSWORD, is_staff=True, is_superuser=True
    )


def form_login(client: Client, url: str, password: str, **extra: str):
    return client.post(url, {"username": "researcher", "password": password}, **extra)


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_login_forms_lock_out_after_repeated_failures_even_the_right_password(
    researcher, url: str
) -> None:
    client = Client()
    for _ in range(LIMIT - 1):
        assert form_login(client, url, "wrong").status_code == 200  # the form again
    assert form_login(client, url, "wrong").status_code == 429
    locked = form_login(client, url, PASSWORD)
    assert locked.status_code == 429
    assert b"Too many failed log-ins" in locked.content
    assert SESSION_KEY not in client.session


def test_guessing_from_rotating_forwarded_for_headers_is_still_one_client(researcher) -> None:
    client = Client()
    for n in range(LIMIT):
        form_login(client, "/accounts/login/", "wrong", HTTP_X_FORWARDED_FOR=f"10.9.8.{n}")
    locked = form_login(client, "/accounts/login/", PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert locked.status_code == 429


def test_one_account_guessed_from_many_addresses_is_locked(researcher) -> None:
    for n in range(LIMIT):
        form_login(Client(REMOTE_ADDR=f"198.51.100.{n}"), "/accounts/login/", "wrong")
    fresh = Client(REMOTE_ADDR="198.51.100.200")
    assert form_login(fresh, "/accounts/login/", PASSWORD).status_code == 429


def test_api_token_endpoint_locks_out_and_says_why(researcher) -> None:
    client = APIClient()
    payload = {"username": "researcher", "password": "wrong"}
    for _ in range(LIMIT - 1):
        assert client.post("/api/auth/token/", payload).status_code == 400
    assert client.post("/api/auth/token/", payload).status_code == 429
    right = client.post("/api/auth/token/", {"username": "researcher", "password": PASSWORD})
    assert right.status_code == 429
    assert "Too many failed log-ins" in right.json()["detail"]
    assert "token" not in right.json()


@override_settings(AXES_ENABLED=False)
def test_api_token_rate_counts_the_address_not_the_forwarded_for_header(researcher) -> None:
    """The ``login`` rate alone (axes off): a new X-Forwarded-For per request used to get a
    new count each time."""
    client = APIClient()
    payload = {"username": "researcher", "password": PASSWORD}
    codes = [
        client.post("/api/auth/token/", payload, HTTP_X_FORWARDED_FOR=f"10.0.{n}.1").status_code
        for n in range(11)
    ]
    assert codes == [200] * 10 + [429]


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_login_rotates_the_session_key(researcher, url: str) -> None:
    client = Client()
    session = client.session
    session["planted"] = "by someone else"
    session.save()
    planted_key = session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = planted_key
    response = form_login(client, url, PASSWORD)
    assert response.status_code == 302
    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != planted_key
    assert client.session[SESSION_KEY] == str(researcher.pk)
