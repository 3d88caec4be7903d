"""The Content-Security-Policy header: on the app's pages, not on the exempt third-party ones."""

from __future__ import annotations

import pytest
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory

pytestmark = pytest.mark.django_db


def directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.parametrize("path", ["/s/no-such-study/", "/accounts/login/", "/exports/dictionary/"])
def test_app_pages_allow_scripts_from_this_site_only(client, path: str) -> None:
    response = client.get(path)
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"


def test_the_policy_is_the_whole_declared_policy(client) -> None:
    """Every directive as declared, nothing more: styles inline only for plotly, images and
    fonts also as data: URLs, nothing framed, no plugins."""
    policy = directives(client.get("/accounts/login/")["Content-Security-Policy"])
    assert policy == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data: blob:",
        "font-src": "'self' data:",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "frame-ancestors": "'none'",
    }


@pytest.mark.parametrize("path", ["/admin/login/", "/api/docs/"])
def test_exempt_pages_carry_no_policy(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response


def test_a_policy_set_by_the_view_is_kept() -> None:
    def view(request):
        response = HttpResponse("")
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    middleware = CSPMiddleware(view)
    response = middleware(RequestFactory().get("/s/x/"))
    assert response["Content-Security-Policy"] == "default-src 'none'"


@pytest.mark.parametrize("url", ["/dashboard/", "/api/studies/", "/dashboard/alpha/data.json"])
def test_researcher_responses_may_not_be_kept_by_shared_caches(url: str) -> None:
    from django.test import Client

    from tests.factories import study_make

    made = study_make("alpha")
    client = Client()
    client.force_login(made.researcher)
    response = client.get(url)
    assert response.status_code == 200
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control
    assert "Cookie" in response["Vary"]


def test_the_versioned_plotly_file_stays_public(settings) -> None:
    from django.test import Client

    from braintrial.dashboard.plotly_bundle import plotly_bundle

    settings.WHITENOISE_USE_FINDERS = True  # served as DEBUG serves it: no collectstatic run
    settings.WHITENOISE_AUTOREFRESH = True
    response = Client().get(f"/static/{plotly_bundle().static_path}")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    assert "private" not in response["Cache-Control"]
