"""Researcher pages: the study list, one page per study, its live data and scoring runs."""

from __future__ import annotations

from django.urls import path

from braintrial.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.study_list, name="study_list"),
    path("vendor/plotly-<str:version>.min.js", views.plotly_js, name="plotly_js"),
    path("<slug:slug>/", views.study_detail, name="study_detail"),
    path("<slug:slug>/data.json", views.study_data, name="study_data"),
    path("<slug:slug>/runs/", views.score_run_start, name="score_run_start"),
]
