from __future__ import annotations

from django.urls import path

from braintrial.participants import views

app_name = "participants"
urlpatterns = [
    path("s/<slug:slug>/", views.landing, name="landing"),
    path("s/<slug:slug>/flow/", views.flow, name="flow"),
    path("s/<slug:slug>/withdraw/", views.withdraw, name="withdraw"),
    path("s/<slug:slug>/privacy/", views.privacy, name="privacy"),
    path("s/<slug:slug>/challenge/", views.challenge, name="challenge"),
]
