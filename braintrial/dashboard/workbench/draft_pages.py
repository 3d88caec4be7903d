"""What the authoring and review pages show: the two versions side by side with the changed
words marked, the marked passage, and the guidelines each version passes or fails."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from braintrial.dashboard.workbench.forms import DraftForm, ReviewForm
from braintrial.items.models import ItemBank
from braintrial.items.services.diff import Segment, segments_compute
from braintrial.workbench.access import roles_of
from braintrial.workbench.authoring import (
    AuthoringError,
    altered_clean,
    draft_checks,
    passage_check,
)
from braintrial.workbench.drafting import drafting_scorers
from braintrial.workbench.drafts import draft_failed_checks
from braintrial.workbench.models import Candidate, Draft
from braintrial.workbench.roles import length_change_percent


@dataclass
class Versions:
    """The original with its marked passage, the two versions' marked words, and the checks."""

    before: str = ""
    passage: str = ""
    after: str = ""
    original: list[Segment] = field(default_factory=list)
    altered: list[Segment] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    checked: bool = False  # False: nothing to compare yet (no passage or no text)


def versions_compare(*, candidate: Candidate, start: object, end: object, altered: str) -> Versions:
    """Compare what the form holds with the original; nothing is stored. The problems that
    keep it from being compared (no passage, no text) are the failures then."""
    abstract = candidate.abstract
    try:
        passage = passage_check(abstract=abstract, start=start, end=end)
    except AuthoringError as exc:
        return Versions(failed=exc.messages)
    shown = Versions(
        before=abstract[: passage.start],
        passage=abstract[passage.start : passage.end],
        after=abstract[passage.end :],
    )
    try:
        text = altered_clean(altered)
    except AuthoringError as exc:
        shown.failed = exc.messages
        return shown
    shown.original, shown.altered = segments_compute(first=abstract, second=text)
    shown.failed = draft_checks(
        original=abstract,
        passage=passage,
        altered=text,
        max_length_change_percent=length_change_percent(bank=candidate.bank),
    )
    shown.checked = True
    return shown


def draft_versions(draft: Draft) -> Versions:
    if draft.status in (Draft.Status.DRAFTING, Draft.Status.FAILED):
        abstract = draft.candidate.abstract
        start, end = draft.passage_start, draft.passage_end
        return Versions(before=abstract[:start], passage=abstract[start:end], after=abstract[end:])
    shown = versions_compare(
        candidate=draft.candidate,
        start=draft.passage_start,
        end=draft.passage_end,
        altered=draft.altered,
    )
    shown.failed = draft_failed_checks(draft=draft)
    return shown


def form_values(form: DraftForm) -> dict[str, Any]:
    data = form.cleaned_data if form.is_valid() else {}
    return {
        "start": data.get("passage_start"),
        "end": data.get("passage_end"),
        "altered": data.get("altered") or "",
    }


def write_render(
    request: HttpRequest,
    *,
    bank: ItemBank,
    candidate: Candidate,
    form: DraftForm | None = None,
    versions: Versions | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The authoring page of one candidate."""
    context = {
        "bank": bank,
        "candidate": candidate,
        "form": form or DraftForm(initial={"altered": candidate.abstract}),
        "versions": versions,
        "errors": errors or [],
        "scorers": drafting_scorers(),
        "percent": length_change_percent(bank=bank),
    }
    return render(request, "dashboard/workbench/draft_write.html", context, status=status)


def write_refused(
    request: HttpRequest, *, candidate: Candidate, form: DraftForm, exc: AuthoringError
) -> HttpResponse:
    """The authoring page again, with why nothing was stored (400)."""
    versions = versions_compare(candidate=candidate, **form_values(form))
    return write_render(
        request, bank=candidate.bank, candidate=candidate, form=form, versions=versions,
        errors=exc.messages, status=400,
    )  # fmt: skip


def draft_render(
    request: HttpRequest,
    *,
    draft: Draft,
    form: DraftForm | None = None,
    review: ReviewForm | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    """One draft: its versions and checks, and what the reader may do with it."""
    bank = draft.candidate.bank
    roles = roles_of(user=request.user, bank=bank)
    is_author = draft.author_id == request.user.pk
    fixable = draft.status in (Draft.Status.RETURNED, Draft.Status.DRAFTED)
    context = {
        "bank": bank,
        "draft": draft,
        "candidate": draft.candidate,
        "versions": draft_versions(draft),
        "can_fix": is_author and "author" in roles and fixable,
        "can_review": (
            not is_author and "reviewer" in roles and draft.status == Draft.Status.SUBMITTED
        ),
        "form": form
        or DraftForm(
            initial={
                "passage_start": draft.passage_start,
                "passage_end": draft.passage_end,
                "altered": draft.altered or draft.candidate.abstract,
            }
        ),
        "review": review or ReviewForm(),
        "errors": errors or [],
        "percent": length_change_percent(bank=bank),
    }
    return render(request, "dashboard/workbench/draft_detail.html", context, status=status)
