"""The public results page, its JSON, its embeddable chart and the release downloads: anonymous,
read-only, limited per network, and "not found" for a study whose page is switched off."""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from braintrial.public import selectors
from braintrial.public.chart import chart_svg
from braintrial.public.releases.package import release_zip
from braintrial.public.throttle import limited
from braintrial.studies.models import Study

# Shared caches may keep an answer this long: the figures change only when the worker's report
# does, and a minute's delay costs nothing to a reader.
PUBLIC_MAX_AGE = 60
# A built answer is keyed by its report; the timeout only bounds how long old ones linger.
ANSWER_CACHE_SECONDS = 24 * 3600
BAD_SOURCE = "source must be all, human or gpt4."


def _cached(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    return response


def _answer(study: Study, kind: str, build: Callable[[], bytes], extra: str = "") -> bytes:
    """The answer's body, built once per report (it holds no per-request state but ``extra``):
    a page of 30 models by 5 sections by 3 sources takes ~100 ms to render, a cache read ~1."""
    key = selectors.public_answer_key(study=study, kind=kind, extra=extra)
    body = cache.get(key) if key else None
    if body is None:
        body = build()
        if key:
            cache.set(key, body, ANSWER_CACHE_SECONDS)
    return body


@require_safe
@limited
def results_page(request: HttpRequest, slug: str) -> HttpResponse:
    study = selectors.public_study_get(slug=slug)

    def build() -> bytes:
        results = selectors.public_results(study=study)
        context = {"study": study, "results": results, "labels": results["labels"]}
        return render(request, "public/results.html", context).content

    site = f"{request.scheme}://{request.get_host()}"  # the page's embed line names it
    return _cached(HttpResponse(_answer(study, "page", build, extra=site)))


@require_safe
@limited
def results_json(request: HttpRequest, slug: str) -> HttpResponse:
    study = selectors.public_study_get(slug=slug)

    def build() -> bytes:
        return JsonResponse(selectors.public_results(study=study)).content

    return _cached(HttpResponse(_answer(study, "json", build), content_type="application/json"))


@require_safe
@limited
def results_chart(request: HttpRequest, slug: str) -> HttpResponse:
    source = request.GET.get("source", "all")
    if source not in selectors.SOURCES:
        return HttpResponse(BAD_SOURCE, status=400, content_type="text/plain")
    study = selectors.public_study_get(slug=slug)

    def build() -> bytes:
        return chart_svg(results=selectors.public_results(study=study), source=source).encode()

    svg = _answer(study, "chart", build, extra=source)
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
