"""Researcher pages: the study list, one page per study, its live data and scoring runs, and
the setup of a study (settings, item bank, researchers, participant link)."""

from __future__ import annotations

from django.urls import path

from braintrial.dashboard import governance, views
from braintrial.dashboard.setup import views as setup
from braintrial.dashboard.submissions import views as submissions
from braintrial.dashboard.workbench import authoring
from braintrial.dashboard.workbench import views as workbench

app_name = "dashboard"
urlpatterns = [
    path("", views.study_list, name="study_list"),
    # Two segments, so that no study slug can shadow it.
    path("studies/new/", setup.study_create, name="study_create"),
    path("invitations/<int:pk>/", setup.invitation_answer, name="invitation_answer"),
    # The item workbench: two segments or more, none of them a study page's.
    path("workbench/sources/", workbench.workbench_banks, name="workbench_banks"),
    path("workbench/sources/<slug:bank>/", workbench.candidates, name="workbench_candidates"),
    path(
        "workbench/sources/<slug:bank>/check/",
        workbench.candidates_file_check,
        name="workbench_file_check",
    ),
    path(
        "workbench/sources/<slug:bank>/import/",
        workbench.candidates_file_import,
        name="workbench_file_import",
    ),
    path(
        "workbench/sources/<slug:bank>/paste/",
        workbench.candidate_paste,
        name="workbench_paste",
    ),
    path("workbench/sources/<slug:bank>/roles/", authoring.roles, name="workbench_roles"),
    path(
        "workbench/sources/<slug:bank>/roles/grant/",
        authoring.role_grant,
        name="workbench_role_grant",
    ),
    path(
        "workbench/sources/<slug:bank>/roles/<int:pk>/revoke/",
        authoring.role_revoke,
        name="workbench_role_revoke",
    ),
    path(
        "workbench/sources/<slug:bank>/roles/length/",
        authoring.length_rule,
        name="workbench_length_rule",
    ),
    path("workbench/drafts/", authoring.drafts_banks, name="workbench_drafts_banks"),
    path("workbench/drafts/<slug:bank>/", authoring.drafts, name="workbench_drafts"),
    path(
        "workbench/drafts/<slug:bank>/write/<int:pk>/",
        authoring.draft_write,
        name="workbench_draft_write",
    ),
    path(
        "workbench/drafts/<slug:bank>/write/<int:pk>/submit/",
        authoring.draft_write_submit,
        name="workbench_draft_submit",
    ),
    path(
        "workbench/drafts/<slug:bank>/write/<int:pk>/model/",
        authoring.draft_model_ask,
        name="workbench_draft_model",
    ),
    path("workbench/drafts/<slug:bank>/<int:pk>/", authoring.draft_detail, name="workbench_draft"),
    path(
        "workbench/drafts/<slug:bank>/<int:pk>/fix/",
        authoring.draft_fix,
        name="workbench_draft_fix",
    ),
    path(
        "workbench/drafts/<slug:bank>/<int:pk>/review/",
        authoring.draft_review,
        name="workbench_draft_review",
    ),
    path("models/mine/", submissions.submission_list, name="submission_list"),
    path("models/submit/", submissions.submission_create, name="submission_create"),
    path("models/review/", submissions.submission_review, name="submission_review"),
    path("models/<int:pk>/", submissions.submission_detail, name="submission_detail"),
    path("models/<int:pk>/approve/", submissions.submission_approve, name="submission_approve"),
    path("models/<int:pk>/reject/", submissions.submission_reject, name="submission_reject"),
    path("<slug:slug>/", views.study_detail, name="study_detail"),
    path("<slug:slug>/settings/", setup.study_edit, name="study_edit"),
    path("<slug:slug>/researchers/", setup.study_invite, name="study_invite"),
    path("<slug:slug>/items/", setup.study_items, name="study_items"),
    path("<slug:slug>/items/check/", setup.study_items_check, name="study_items_check"),
    path("<slug:slug>/items/import/", setup.study_items_import, name="study_items_import"),
    path("<slug:slug>/qr.svg", setup.study_qr, name="study_qr"),
    path("<slug:slug>/data.json", views.study_data, name="study_data"),
    path("<slug:slug>/science/", views.study_science, name="study_science"),
    path(
        "<slug:slug>/science/items/<int:item_id>/",
        views.study_science_item,
        name="study_science_item",
    ),
    path(
        "<slug:slug>/science/items/<int:item_id>/version/",
        views.item_version,
        name="item_version",
    ),
    path(
        "<slug:slug>/science/items/<int:item_id>/retire/",
        views.item_retire_view,
        name="item_retire",
    ),
    path(
        "<slug:slug>/science/items/<int:item_id>/challenges/<int:challenge_id>/",
        views.challenge_decide_view,
        name="challenge_decide",
    ),
    path("<slug:slug>/runs/", views.score_run_start, name="score_run_start"),
    path("<slug:slug>/participants/", governance.participant_list, name="participant_list"),
    path(
        "<slug:slug>/participants/withdraw/",
        governance.participant_withdraw_view,
        name="participant_withdraw",
    ),
    path("<slug:slug>/audit/", governance.study_audit, name="study_audit"),
]
