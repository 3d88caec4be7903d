"""The workbench's authoring and review pages, and the roles page of a bank's owners.

Drafts are fetched only through ``workbench.access`` (``drafts_bank_get``, ``draft_get``,
``authoring_candidate_get``: the bank's authors and reviewers); the roles page through
``workbench_bank_get`` (its owners). Every decision is one service call, audited there.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from braintrial.dashboard.workbench import draft_pages
from braintrial.dashboard.workbench.forms import (
    DraftForm,
    LengthRuleForm,
    ReviewForm,
    RoleGrantForm,
)
from braintrial.dashboard.workbench.pages import researcher
from braintrial.items.models import ItemBank
from braintrial.workbench.access import (
    authoring_candidate_get,
    draft_get,
    drafts_bank_get,
    drafts_banks_for_user,
    roles_of,
    workbench_bank_get,
)
from braintrial.workbench.authoring import AuthoringError
from braintrial.workbench.drafting import draft_model_request
from braintrial.workbench.drafts import (
    draft_accept,
    draft_edit,
    draft_resubmit,
    draft_return,
    draft_submit,
)
from braintrial.workbench.models import Role
from braintrial.workbench.roles import (
    RoleError,
    bank_role_grant,
    bank_role_revoke,
    length_change_percent,
    length_change_set,
)
from braintrial.workbench.selectors import (
    candidates_for_authoring,
    drafts_of_bank,
    roles_of_bank,
)


@require_GET
@login_required
def drafts_banks(request: HttpRequest) -> HttpResponse:
    banks = drafts_banks_for_user(user=request.user)
    return render(request, "dashboard/workbench/drafts_banks.html", {"banks": banks})


@require_GET
@login_required
def drafts(request: HttpRequest, bank: str) -> HttpResponse:
    """A bank's drafts, and (for its authors) the candidates to write from."""
    item_bank = drafts_bank_get(user=request.user, name=bank)
    roles = roles_of(user=request.user, bank=item_bank)
    context = {
        "bank": item_bank,
        "roles": sorted(roles),
        "drafts": drafts_of_bank(bank_id=item_bank.pk),
        "candidates": (
            candidates_for_authoring(bank_id=item_bank.pk) if Role.AUTHOR in roles else []
        ),
    }
    return render(request, "dashboard/workbench/drafts.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def draft_write(request: HttpRequest, bank: str, pk: int) -> HttpResponse:
    """Write an altered version of the candidate ``pk``; a POST checks it and shows both
    versions and the guidelines. Nothing is stored."""
    found = authoring_candidate_get(user=request.user, name=bank, pk=pk)
    if request.method == "GET":
        return draft_pages.write_render(request, bank=found.bank, candidate=found)
    form = DraftForm(request.POST)
    versions = draft_pages.versions_compare(candidate=found, **draft_pages.form_values(form))
    status = 200 if form.is_valid() else 400
    return draft_pages.write_render(
        request, bank=found.bank, candidate=found, form=form, versions=versions, status=status
    )


@require_POST
@login_required
def draft_write_submit(request: HttpRequest, bank: str, pk: int) -> HttpResponse:
    """Submit the altered version for review, if it passes every guideline."""
    found = authoring_candidate_get(user=request.user, name=bank, pk=pk)
    form = DraftForm(request.POST)
    try:
        if not form.is_valid():
            raise AuthoringError([])
        values = draft_pages.form_values(form)
        draft = draft_submit(author=researcher(request), candidate=found, **values)
    except AuthoringError as exc:
        return draft_pages.write_refused(request, candidate=found, form=form, exc=exc)
    messages.success(request, "Submitted for review.")
    return redirect("dashboard:workbench_draft", bank=bank, pk=draft.pk)


@require_POST
@login_required
def draft_model_ask(request: HttpRequest, bank: str, pk: int) -> HttpResponse:
    """Ask a model to alter the marked passage, on a scoring worker."""
    found = authoring_candidate_get(user=request.user, name=bank, pk=pk)
    form = DraftForm(request.POST)
    try:
        if not form.is_valid():
            raise AuthoringError([])
        values = draft_pages.form_values(form)
        draft = draft_model_request(
            author=researcher(request), candidate=found, start=values["start"],
            end=values["end"], scorer_id=_int(request.POST.get("scorer")),
        )  # fmt: skip
    except AuthoringError as exc:
        return draft_pages.write_refused(request, candidate=found, form=form, exc=exc)
    messages.success(request, "The model is drafting it on a scoring worker.")
    return redirect("dashboard:workbench_draft", bank=bank, pk=draft.pk)


def _int(value: str | None) -> int:
    return int(value) if value and value.isascii() and value.isdigit() else 0


@require_GET
@login_required
def draft_detail(request: HttpRequest, bank: str, pk: int) -> HttpResponse:
    return draft_pages.draft_render(request, draft=draft_get(user=request.user, name=bank, pk=pk))


@require_POST
@login_required
def draft_fix(request: HttpRequest, bank: str, pk: int) -> HttpResponse:
    """The author resubmits a returned draft (or a model's that failed a check), fixed."""
    draft = draft_get(user=request.user, name=bank, pk=pk, role=Role.AUTHOR)
    form = DraftForm(request.POST)
    try:
        if not form.is_valid():
            raise AuthoringError([])
        draft_resubmit(author=researcher(request), draft=draft, **draft_pages.form_values(form))
    except AuthoringError as exc:
        return draft_pages.draft_render(
            request, draft=draft, form=form, errors=exc.messages, status=400
        )
    messages.success(request, "Resubmitted for review.")
    return redirect("dashboard:workbench_draft", bank=bank, pk=pk)


@require_POST
@login_required
def draft_review(request: HttpRequest, bank: str, pk: int) -> HttpResponse:
    """A reviewer accepts or returns a submitted draft, or saves their own edit of it."""
    draft = draft_get(user=request.user, name=bank, pk=pk, role=Role.REVIEWER)
    review, form = ReviewForm(request.POST), DraftForm(request.POST)
    decision = request.POST.get("decision", "")
    try:
        if not review.is_valid() or decision not in {"accept", "return", "edit"}:
            raise AuthoringError(["Choose accept, return or edit."])
        comment, reviewer = review.cleaned_data["comment"], researcher(request)
        if decision == "accept":
            item = draft_accept(reviewer=reviewer, draft=draft, comment=comment)
            messages.success(request, f"Accepted: item {item.pk} is in {bank}.")
        elif decision == "return":
            draft_return(reviewer=reviewer, draft=draft, comment=comment)
            messages.success(request, "Returned to its author.")
        else:
            if not form.is_valid():
                raise AuthoringError([])
            values = draft_pages.form_values(form)
            draft_edit(reviewer=reviewer, draft=draft, comment=comment, **values)
            messages.success(request, "Your edit is saved; accept or return the draft.")
    except AuthoringError as exc:
        return draft_pages.draft_render(
            request, draft=draft, form=form, review=review, errors=exc.messages, status=400
        )
    return redirect("dashboard:workbench_draft", bank=bank, pk=pk)


# --- roles: the bank's owners --------------------------------------------------------------------


def _roles_render(
    request: HttpRequest, *, bank: ItemBank, grant: RoleGrantForm | None = None,
    rule: LengthRuleForm | None = None, errors: list[str] | None = None, status: int = 200,
) -> HttpResponse:  # fmt: skip
    """The owners' page: the granted roles, the grant form and the bank's length rule."""
    percent = length_change_percent(bank=bank)
    context = {
        "bank": bank,
        "roles": roles_of_bank(bank_id=bank.pk),
        "grant": grant or RoleGrantForm(),
        "rule": rule or LengthRuleForm(initial={"max_length_change_percent": percent}),
        "errors": errors or [],
    }
    return render(request, "dashboard/workbench/roles.html", context, status=status)


@require_GET
@login_required
def roles(request: HttpRequest, bank: str) -> HttpResponse:
    return _roles_render(request, bank=workbench_bank_get(user=request.user, name=bank))


@require_POST
@login_required
def role_grant(request: HttpRequest, bank: str) -> HttpResponse:
    item_bank = workbench_bank_get(user=request.user, name=bank)
    form = RoleGrantForm(request.POST)
    try:
        if not form.is_valid():
            raise RoleError("")
        granted = bank_role_grant(actor=researcher(request), bank=item_bank, **form.cleaned_data)
    except RoleError as exc:
        errors = [str(exc)] if str(exc) else []
        return _roles_render(request, bank=item_bank, grant=form, errors=errors, status=400)
    messages.success(request, f"{granted.user.get_username()} is now a {granted.role} of {bank}.")
    return redirect("dashboard:workbench_roles", bank=bank)


@require_POST
@login_required
def role_revoke(request: HttpRequest, bank: str, pk: int) -> HttpResponse:
    item_bank = workbench_bank_get(user=request.user, name=bank)
    try:
        bank_role_revoke(actor=researcher(request), bank=item_bank, role_id=pk)
    except RoleError as exc:
        return _roles_render(request, bank=item_bank, errors=[str(exc)], status=400)
    messages.success(request, "The role is revoked.")
    return redirect("dashboard:workbench_roles", bank=bank)


@require_POST
@login_required
def length_rule(request: HttpRequest, bank: str) -> HttpResponse:
    item_bank = workbench_bank_get(user=request.user, name=bank)
    form = LengthRuleForm(request.POST)
    if not form.is_valid():
        return _roles_render(request, bank=item_bank, rule=form, status=400)
    length_change_set(
        actor=researcher(request), bank=item_bank,
        percent=form.cleaned_data["max_length_change_percent"],
    )  # fmt: skip
    messages.success(request, "The length rule is saved.")
    return redirect("dashboard:workbench_roles", bank=bank)
