"""The public results of a study (/p/<slug>/...), and its researchers' releases page."""

from __future__ import annotations

from django.urls import path

from braintrial.public import views
from braintrial.public.releases import views as releases

app_name = "public"
urlpatterns = [
    path("p/<slug:slug>/", views.results_page, name="results"),
    path("p/<slug:slug>/results.json", views.results_json, name="results_json"),
    path("p/<slug:slug>/chart.svg", views.results_chart, name="results_chart"),
    path("p/<slug:slug>/releases/v<int:number>.zip", views.release_download, name="release"),
    # Three segments under /dashboard/<slug>/: no dashboard page has this shape.
    path("dashboard/<slug:slug>/releases/", releases.release_list, name="release_list"),
    path(
        "dashboard/<slug:slug>/releases/freeze/",
        releases.release_freeze_view,
        name="release_freeze",
    ),
    path(
        "dashboard/<slug:slug>/releases/v<int:number>.zip",
        releases.release_download_researcher,
        name="release_researcher",
    ),
]
