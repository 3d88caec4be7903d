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

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("posts_like_a_browser")]
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


def test_logging_in_to_ones_own_account_does_not_reset_the_guesses_against_another() -> None:
    """Issue 20, hole 1: four guesses at ``victim``, a login to one's own account, three times
    over. Before, each login cleared every failure of the address, and after twelve wrong
    guesses the victim's password still logged in."""
    users = get_user_model().objects
    users.create_user("victim", password=PASSWORD)
    users.create_user("guesser", password="the-guessers-own-password-3")
    client = Client()
    for _ in range(3):
        for _ in range(LIMIT - 1):
            client.post("/accounts/login/", {"username": "victim", "password": "guess"})
        client.post(
            "/accounts/login/",
            {"username": "guesser", "password": "the-guessers-own-password-3"},
        )
        client.logout()
    # From an address that never guessed: the username itself is locked.
    elsewhere = Client(REMOTE_ADDR="198.51.100.77")
    right = elsewhere.post("/accounts/login/", {"username": "victim", "password": PASSWORD})
    assert right.status_code == 429
    assert SESSION_KEY not in elsewhere.session


def test_the_owners_login_clears_the_failures_against_their_username(researcher) -> None:
    client = Client()
    for _ in range(LIMIT - 1):
        form_login(client, "/accounts/login/", "wrong")
    assert (
        form_login(Client(REMOTE_ADDR="198.51.100.8"), "/accounts/login/", PASSWORD).status_code
        == 302
    )
    for _ in range(LIMIT - 1):
        assert form_login(client, "/accounts/login/", "wrong").status_code == 200
    assert form_login(client, "/accounts/login/", PASSWORD).status_code == 302


def _lockout_minutes() -> float:
    from axes.models import AccessAttemptExpiration

    latest = AccessAttemptExpiration.objects.order_by("-expires_at").select_related(
        "access_attempt"
    )[0]
    length = latest.expires_at - latest.access_attempt.attempt_time
    return round(length.total_seconds() / 60, 1)


def _lockout_ends_now() -> None:
    """Time passes: every stored lockout has ended (the failure log keeps the history)."""
    import datetime as dt

    from axes.models import AccessAttempt, AccessAttemptExpiration

    AccessAttemptExpiration.objects.update(expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    AccessAttempt.objects.update(attempt_time=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))


@override_settings(LOGIN_COOLOFF_MINUTES=15, LOGIN_COOLOFF_MAX_HOURS=1)
def test_each_further_lockout_of_a_username_lasts_twice_as_long_up_to_the_cap(
    researcher,
) -> None:
    lengths = []
    for round_ in range(4):
        client = Client(REMOTE_ADDR=f"198.51.100.{round_ + 1}")  # a new address each round
        for _ in range(LIMIT):
            form_login(client, "/accounts/login/", "wrong")
        assert form_login(client, "/accounts/login/", PASSWORD).status_code == 429
        lengths.append(_lockout_minutes())
        _lockout_ends_now()
    assert lengths == [15.0, 30.0, 60.0, 60.0]
    # The lockout over, the owner logs in, and the back-off starts again from the base.
    assert form_login(Client(), "/accounts/login/", PASSWORD).status_code == 302
    client = Client()
    for _ in range(LIMIT):
        form_login(client, "/accounts/login/", "wrong")
    assert _lockout_minutes() == 15.0


def test_guesses_during_a_lockout_are_refused_unchecked_and_do_not_extend_it(researcher) -> None:
    from axes.models import AccessAttemptExpiration

    client = Client()
    for _ in range(LIMIT):
        form_login(client, "/accounts/login/", "wrong")
    ends = set(AccessAttemptExpiration.objects.values_list("expires_at", flat=True))
    for _ in range(3):
        assert form_login(client, "/accounts/login/", "wrong").status_code == 429
    assert set(AccessAttemptExpiration.objects.values_list("expires_at", flat=True)) == ends
