"""The public results page, its JSON, its embeddable chart and the release downloads: anonymous,
read-only, limited per network, and "not found" for a study whose page is switched off."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from braintrial.public import selectors
from braintrial.public.chart import chart_svg
from braintrial.public.releases.package import release_zip
from braintrial.public.throttle import public_request_allowed

# Shared caches may keep an answer this long: the figures change only when the worker's report
# does, and a minute's delay costs nothing to a reader.
PUBLIC_MAX_AGE = 60

View = Callable[..., HttpResponse]


def limited(view: View) -> View:
    """Refuse a network over the public limit with a 429 before anything is read."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        allowed, wait = public_request_allowed(request)
        if not allowed:
            response = HttpResponse(
                "Too many requests from your network; please try again shortly.",
                status=429,
                content_type="text/plain; charset=utf-8",
            )
            response["Retry-After"] = str(math.ceil(wait or 1))
            return response
        return view(request, *args, **kwargs)

    return wrapper


def _cached(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    return response


@require_safe
@limited
def results_page(request: HttpRequest, slug: str) -> HttpResponse:
    study = selectors.public_study_get(slug=slug)
    results = selectors.public_results(study=study)
    context = {"study": study, "results": results, "labels": selectors.SOURCE_LABELS}
    return _cached(render(request, "public/results.html", context))


@require_safe
@limited
def results_json(request: HttpRequest, slug: str) -> HttpResponse:
    study = selectors.public_study_get(slug=slug)
    return _cached(JsonResponse(selectors.public_results(study=study)))


@require_safe
@limited
def results_chart(request: HttpRequest, slug: str) -> HttpResponse:
    source = request.GET.get("source", "all")
    if source not in selectors.SOURCES:
        return HttpResponse(
            "source must be all, human or gpt4.", status=400, content_type="text/plain"
        )
    study = selectors.public_study_get(slug=slug)
    svg = chart_svg(results=selectors.public_results(study=study), source=source)
    response = _cached(HttpResponse(svg, content_type="image/svg+xml; charset=utf-8"))
    # Another site shows it with <img>: let it, whatever it sets for itself.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@require_safe
@limited
def release_download(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    study = selectors.public_study_get(slug=slug)
    release = selectors.public_release_get(study=study, number=number)
    return release_zip(release=release)
