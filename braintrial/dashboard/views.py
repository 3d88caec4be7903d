"""Researcher pages. Every study is fetched through the researcher gatekeeper."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from braintrial.analysis.rules import ExclusionRules
from braintrial.dashboard import selectors, services
from braintrial.dashboard.forms import (
    RuleToggle,
    ScoreRunStartForm,
    rules_from_query,
    source_from_query,
)
from braintrial.dashboard.item_forms import (
    ChallengeDecisionForm,
    ItemRetireForm,
    ItemVersionForm,
)
from braintrial.dashboard.links import export_links, participant_link
from braintrial.dashboard.plotly_bundle import plotly_bundle
from braintrial.dashboard.science import (
    item_page_permissions,
    science_item_data,
    science_page_data,
)
from braintrial.items.models import Item
from braintrial.items.selectors import item_of_bank
from braintrial.items.services.versions import ItemVersionError, item_retire, item_version_create
from braintrial.participants.selectors import challenge_get_for_study
from braintrial.participants.services.challenges import challenge_decide_posted
from braintrial.studies.item_import import bank_change_check
from braintrial.studies.models import Study
from braintrial.studies.selectors import (
    study_editable,
    study_get_for_researcher,
    study_invitations_pending,
)
from scoring.services import start as scoring_start
from scoring.services.queue import QueueUnavailable

# "gpt4" is the machine-written quota: GPT-4-written and model-drafted cases (items.sources).
SOURCE_CHOICES = [
    ("human", "Human-written"),
    ("gpt4", "Machine-written (GPT-4, model-drafted)"),
    ("all", "All"),
]


@require_GET
@login_required
def study_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.study_overview_list(user=request.user)
    invitations = study_invitations_pending(user=request.user).select_related("study")  # type: ignore[arg-type]
    context = {"rows": rows, "invitations": invitations}
    return render(request, "dashboard/study_list.html", context)


@require_GET
@login_required
def study_detail(request: HttpRequest, slug: str) -> HttpResponse:
    study = study_get_for_researcher(user=request.user, slug=slug)
    try:
        rules, toggles = rules_from_query(study=study, query=request.GET)
        source = source_from_query(query=request.GET)
    except ValidationError as exc:
        return HttpResponse("; ".join(exc.messages), status=400, content_type="text/plain")
    custom = request.GET.get("rules") == "custom"
    context = _study_context(study, rules=rules, toggles=toggles, source=source, custom=custom)
    context["participant_url"] = participant_link(request=request, study=study)
    context["can_edit"] = study_editable(user=request.user, study=study)
    return render(request, "dashboard/study_detail.html", context)


def _study_context(
    study: Study, *, rules: ExclusionRules, toggles: list[RuleToggle], source: str, custom: bool
) -> dict[str, Any]:
    """What the study page shows: the figures under the asked rules, runs, links."""
    payload = services.study_page_data(study=study, rules=rules, source=source)
    return {
        "study": study,
        "toggles": toggles,
        "source": source,
        "sources": SOURCE_CHOICES,
        "custom_rules": custom,
        "payload": {
            "version": payload["version"],
            "state": payload["state"],
            "figures": payload["figures"],
            "updating": payload["updating"],
        },
        "runs": selectors.score_runs_for_study(study=study),
        "run_form": ScoreRunStartForm(),
        "exports": export_links(study=study, rules=rules),
        "plotly_bundle": plotly_bundle().static_path,
    }


@require_GET
@login_required
def study_science(request: HttpRequest, slug: str) -> HttpResponse:
    """Items and models among the experts: item analysis, clustered intervals, IRT, planning."""
    study = study_get_for_researcher(user=request.user, slug=slug)
    try:
        context = science_page_data(study=study, query=request.GET)
    except ValidationError as exc:
        return HttpResponse("; ".join(exc.messages), status=400, content_type="text/plain")
    context["study"] = study
    # Pairs, not the QueryDict: in the template ``query.items`` would read a parameter named
    # "items" (?items=x was a 500), not the method.
    context["query"] = list(request.GET.items())
    return render(request, "dashboard/study_science.html", context)


@require_GET
@login_required
def study_science_item(request: HttpRequest, slug: str, item_id: int) -> HttpResponse:
    """One test case: its two versions, where they differ, and what the data say about it."""
    study = study_get_for_researcher(user=request.user, slug=slug)
    context = science_item_data(study=study, item_id=item_id)
    if context is None:
        raise Http404("No such test case in this study's item bank.")
    item = context["item"]
    context |= item_page_permissions(user=request.user, study=study) | {"study": study}
    context["version_form"] = ItemVersionForm(
        initial={"original": item.original, "altered": item.altered}
    )
    return render(request, "dashboard/study_science_item.html", context)


def _item_page(study: Study, item_id: int) -> HttpResponse:
    url = reverse("dashboard:study_science_item", args=[study.slug, item_id])
    return redirect(url, permanent=False)


def _bank_item(request: HttpRequest, slug: str, item_id: int) -> tuple[Study, Item]:
    """The study (researcher gatekeeper) and its bank's test item; 404 for an item of another
    bank, 403 for anyone but the bank's owners (studies.item_import.bank_change_check)."""
    study = study_get_for_researcher(user=request.user, slug=slug)
    item = item_of_bank(bank=study.bank, pk=item_id)
    if item is None:
        raise Http404("No such test case in this study's item bank.")
    bank_change_check(user=request.user, study=study)  # type: ignore[arg-type]
    return study, item


def _act(
    request: HttpRequest,
    *,
    study: Study,
    form: forms.Form,
    action: Callable[[dict[str, Any]], tuple[str, int]],
) -> HttpResponse:
    """Validate ``form`` and run ``action`` on its data, which says what it did and which item
    page to show next: 400 with the reason for bad input (nothing is stored)."""
    if not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    try:
        message, item_id = action(form.cleaned_data)
    except ItemVersionError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    messages.success(request, message)
    return _item_page(study, item_id)


@require_POST
@login_required
def item_version(request: HttpRequest, slug: str, item_id: int) -> HttpResponse:
    """A new version of a test case, by the bank's owners; the old version is kept."""
    study, item = _bank_item(request, slug, item_id)

    def make(data: dict[str, Any]) -> tuple[str, int]:
        new = item_version_create(item=item, actor=request.user, **data)
        return f"Version {new.version} made; version {item.version} is kept.", new.pk

    return _act(request, study=study, form=ItemVersionForm(request.POST), action=make)


@require_POST
@login_required
def item_retire_view(request: HttpRequest, slug: str, item_id: int) -> HttpResponse:
    """Retire a test case (its owners only): it is served no more; its trials and versions stay."""
    study, item = _bank_item(request, slug, item_id)

    def retire(data: dict[str, Any]) -> tuple[str, int]:
        item_retire(item=item, actor=request.user, note=data["note"])
        return f"Version {item.version} retired: it is no longer served.", item.pk

    return _act(request, study=study, form=ItemRetireForm(request.POST), action=retire)


@require_POST
@login_required
def challenge_decide_view(
    request: HttpRequest, slug: str, item_id: int, challenge_id: int
) -> HttpResponse:
    """Uphold (retire, or fix as a new version) or reject a participant's challenge."""
    study = study_get_for_researcher(user=request.user, slug=slug)
    challenge = challenge_get_for_study(study=study, pk=challenge_id)

    def decide(data: dict[str, Any]) -> tuple[str, int]:
        user: Any = request.user
        now = timezone.now()
        return challenge_decide_posted(
            user=user, study=study, challenge=challenge, data=data, now=now
        )

    return _act(request, study=study, form=ChallengeDecisionForm(request.POST), action=decide)


@require_GET
def study_data(request: HttpRequest, slug: str) -> JsonResponse:
    """What the page polls: the report, its figures and the runs.

    With ?since=<version> and nothing changed, only the version and the runs (a cheap poll).
    """
    study = study_get_for_researcher(user=request.user, slug=slug)
    try:
        rules, _ = rules_from_query(study=study, query=request.GET)
        source = source_from_query(query=request.GET)
    except ValidationError as exc:
        return JsonResponse({"error": "; ".join(exc.messages)}, status=400)
    payload = services.study_page_data(
        study=study, rules=rules, source=source, since=request.GET.get("since")
    )
    return JsonResponse({**payload, "runs": selectors.score_runs_for_study(study=study)})


@require_POST
def score_run_start(request: HttpRequest, slug: str) -> HttpResponse:
    study = study_get_for_researcher(user=request.user, slug=slug)
    form = ScoreRunStartForm(request.POST)
    if not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    scorer = form.cleaned_data["scorer"]
    try:
        run = scoring_start.score_run_start(user=request.user, scorer=scorer, study=study)
        messages.success(request, f"Scoring run {run.pk} for {run.scorer} queued.")
    except ValidationError as exc:
        return HttpResponse("; ".join(exc.messages), status=400, content_type="text/plain")
    except QueueUnavailable as exc:  # nothing was started; the page says so
        messages.error(request, str(exc))
    return redirect(reverse("dashboard:study_detail", args=[study.slug]) + "#runs", permanent=False)
