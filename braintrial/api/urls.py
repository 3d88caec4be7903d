"""The REST API under /api/: an index at /api/, schema at /api/schema/, browsable docs at
/api/docs/."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from braintrial.api import auth, data, scoring, studies, submissions
from braintrial.api.root import ApiRootApi

app_name = "api"
urlpatterns = [
    path("", ApiRootApi.as_view(), name="root"),
    path("auth/token/", auth.TokenObtainApi.as_view(), name="token"),
    path("studies/", studies.StudyListApi.as_view(), name="studies"),
    # Before studies/<slug>/, which would otherwise take "create" for a slug.
    path("studies/create/", studies.StudyCreateApi.as_view(), name="study_create"),
    path("studies/<slug:slug>/", studies.StudyDetailApi.as_view(), name="study"),
    path("studies/<slug:slug>/summary/", studies.StudySummaryApi.as_view(), name="summary"),
    path("studies/<slug:slug>/items/import/", studies.ItemImportApi.as_view(), name="import"),
    path("items/", data.ItemListApi.as_view(), name="items"),
    path("items/<int:item_id>/", data.ItemDetailApi.as_view(), name="item"),
    path("participants/", data.ParticipantListApi.as_view(), name="participants"),
    path("trials/", data.TrialListApi.as_view(), name="trials"),
    path("scorers/", scoring.ScorerListApi.as_view(), name="scorers"),
    path("runs/", scoring.RunListApi.as_view(), name="runs"),
    path("runs/start/", scoring.RunStartApi.as_view(), name="run_start"),
    path("runs/<int:run_id>/", scoring.RunDetailApi.as_view(), name="run"),
    path("scores/", scoring.ScoreListApi.as_view(), name="scores"),
    path("submissions/", submissions.SubmissionListApi.as_view(), name="submissions"),
    path(
        "submissions/create/", submissions.SubmissionCreateApi.as_view(), name="submission_create"
    ),
    path(
        "submissions/<int:submission_id>/",
        submissions.SubmissionDetailApi.as_view(),
        name="submission",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
