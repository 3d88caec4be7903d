"""The study's "items and models among the experts" page: the item analysis table (sorted and
filtered as asked), the clustered intervals beside Wilson's, every scorer on the human ability
scale, and the planning of a next study. Everything comes from the cached study report."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.http import QueryDict

from braintrial.analysis.science.coverage import coverage_words
from braintrial.analysis.science.planning import Components
from braintrial.analysis.science.report import (
    DEFAULT_GAP,
    DEFAULT_HALF_WIDTH,
    DEFAULT_POWER,
    plan,
)
from braintrial.analysis.types import ItemRowReport
from braintrial.dashboard.charts.study import upheld_lines
from braintrial.dashboard.services import study_report_served
from braintrial.items.selectors import (
    doi_name,
    item_labels,
    item_of_bank,
    item_title,
    item_version_labels,
    item_versions,
)
from braintrial.items.services.diff import differences_compute
from braintrial.items.sources import source_quota
from braintrial.participants.models import Challenge
from braintrial.participants.selectors import challenge_counts, challenges_for_items
from braintrial.studies.banks import bank_importable
from braintrial.studies.models import Study
from braintrial.studies.selectors import study_editable

# Sortable columns of the item table: (parameter value, header, row key).
SORTS = [
    ("item", "Test case", "item_id"),
    ("n", "Experts who answered", "n"),
    ("accuracy", "Share of experts right", "accuracy"),
    ("models", "Models that chose the original", "models_correct"),
    ("agreement", "Models agreeing", "models_agreement"),
    ("discrimination", "Stronger experts right more often", "discrimination"),
    ("confidence_right", "Confidence when right", "confidence_right"),
    ("confidence_wrong", "Confidence when wrong", "confidence_wrong"),
]
SORT_KEYS = {value: key for value, _, key in SORTS}


class ItemTableForm(forms.Form):
    """What the item table shows: ?sort=&order=&source=&suspect=."""

    sort = forms.ChoiceField(choices=[(v, h) for v, h, _ in SORTS], required=False)
    order = forms.ChoiceField(
        choices=[("asc", "ascending"), ("desc", "descending")], required=False
    )
    source = forms.ChoiceField(
        choices=[
            ("all", "All"),
            ("human", "Human-written"),
            ("gpt4", "Machine-written (GPT-4, model-drafted)"),
        ],
        required=False,
    )
    suspect = forms.BooleanField(required=False, label="Only those worth a second look")


class PlanningForm(forms.Form):
    """The targets of the planning section (?half_width=&gap=&power=)."""

    half_width = forms.FloatField(
        min_value=0.005, max_value=0.5, required=False, label="Interval half-width"
    )
    gap = forms.FloatField(min_value=0.01, max_value=0.9, required=False, label="Human-model gap")
    power = forms.FloatField(min_value=0.5, max_value=0.99, required=False, label="Power")


def _labelled(study: Study, rows: list[ItemRowReport]) -> list[dict[str, Any]]:
    """The rows with each item's title, journal section and DOI (items.selectors)."""
    ids = [r["item_id"] for r in rows]
    labels = item_labels(bank=study.bank, ids=ids)
    versions = item_version_labels(ids=ids)
    counts = challenge_counts(study=study)
    blank = {"title": "", "section": "", "doi": ""}
    return [
        dict(row)
        | labels.get(row["item_id"], blank)
        | {"version": versions.get(row["item_id"], ""), "challenges": counts.get(row["item_id"])}
        for row in rows
    ]


def _cell(row: ItemRowReport, key: str) -> Any:
    """The row's value of a sortable column (SORTS names only keys of ItemRowReport)."""
    return cast("dict[str, Any]", row)[key]


def _sorted_rows(rows: list[ItemRowReport], data: dict[str, Any]) -> list[ItemRowReport]:
    source = data.get("source") or "all"
    if source != "all":  # a quota: each row names its item's own source (items.sources)
        rows = [r for r in rows if source_quota(r["source"]) == source]
    if data.get("suspect"):
        rows = [r for r in rows if r["suspect"]]
    key = SORT_KEYS[data.get("sort") or "item"]
    descending = data.get("order") == "desc"
    present = [r for r in rows if _cell(r, key) is not None]
    missing = [r for r in rows if _cell(r, key) is None]  # empty values last either way
    present.sort(key=lambda r: (_cell(r, key), r["item_id"]), reverse=descending)
    return present + missing


def _header_links(query: QueryDict, data: dict[str, Any]) -> list[dict[str, str]]:
    """Each sortable header's link (its second click reverses the order) and its aria-sort."""
    current, order = data.get("sort") or "item", data.get("order") or "asc"
    links = []
    for value, header, _ in SORTS:
        params = query.copy()
        params["sort"] = value
        params["order"] = "desc" if value == current and order == "asc" else "asc"
        state = "none"
        if value == current:
            state = "descending" if order == "desc" else "ascending"
        links.append({"header": header, "href": "?" + params.urlencode(), "aria_sort": state})
    return links


def _machine_words(report: Any) -> str:
    """The machine-written quota's row heading, naming the sources it holds (items.sources)."""
    group = None if report is None else report["sources"].get("gpt4")
    label = (group or {}).get("label") or "GPT-4-written"
    return "Written by GPT-4" if label == "GPT-4-written" else label[:1].upper() + label[1:]


def science_page_data(*, study: Study, query: QueryDict) -> dict[str, Any]:
    """The page's content. Raises forms.ValidationError naming the parameter at fault."""
    table, targets = ItemTableForm(query), PlanningForm(query)
    for form in (table, targets):
        if not form.is_valid():
            raise forms.ValidationError(
                [
                    f"{name}: {'; '.join(str(e) for e in errors)}"
                    for name, errors in form.errors.items()
                ]
            )
    report = study_report_served(study=study)["report"]
    science = None if report is None else report["science"]
    failed = None if report is None else report.get("analyses", {}).get("science")
    if failed is not None and not failed["ok"]:  # the fits cannot be made on these data
        return {"unavailable": failed["reason"]}
    if science is None:  # the worker is computing the report, or fitting its models
        return {"pending": True}
    rows = _sorted_rows(science["item_rows"], table.cleaned_data)
    chosen = {
        "half_width": targets.cleaned_data.get("half_width") or DEFAULT_HALF_WIDTH,
        "gap": targets.cleaned_data.get("gap") or DEFAULT_GAP,
        "power": targets.cleaned_data.get("power") or DEFAULT_POWER,
    }
    default = science["planning"]["default"]
    try:
        components = Components(**science["planning"]["components"])
    except TypeError:  # a report cached by an earlier version: the worker recomputes it
        return {"pending": True}
    planned = plan(
        components,
        half_width=chosen["half_width"],
        gap_size=chosen["gap"],
        power=chosen["power"],
        per_participant=default["per_participant"],
        bank=default["bank"],
    )
    return {
        "science": science,
        "machine_words": _machine_words(report),
        "upheld_lines": [] if report is None else upheld_lines(report["participation"]),
        "rows": _labelled(study, rows),
        "n_rows": len(rows),
        "table": table.cleaned_data,
        "headers": _header_links(query, table.cleaned_data),
        "planning": planned,
        "planning_from": science["planning"]["components_from"],
        "targets": chosen,
        # How often each interval held the truth in simulation (analysis.science.coverage).
        "coverage": coverage_words(),
    }


def science_item_data(*, study: Study, item_id: int) -> dict[str, Any] | None:
    """One test case of the study's bank: its two versions, where they differ and its row of
    the item analysis (None while the report is computed). None where the bank has no such
    item."""
    item = item_of_bank(bank=study.bank, pk=item_id)
    if item is None:
        return None
    report = study_report_served(study=study)["report"]
    science = None if report is None else report["science"]
    row = None
    if science is not None:
        row = next((r for r in science["item_rows"] if r["item_id"] == item.pk), None)
    versions = list(item_versions(lineage=item.lineage))
    challenges = challenges_for_items(study=study, item_ids=[v.pk for v in versions])
    return {
        "item": item,
        "versions": versions,
        "newest": versions[-1],
        "challenges": challenges,
        "challenge_kinds": dict(Challenge.Kind.choices),
        "title": item_title(item.original),
        "doi": doi_name(item.doi),
        "differences": differences_compute(original=item.original, altered=item.altered),
        "row": row,
        "pool": None if science is None else science["pools"][science["default_pool"]]["label"],
    }


def item_page_permissions(*, user: Any, study: Study) -> dict[str, bool]:
    """What the researcher may do on an item page: decide challenges (change the study), and
    retire or fix a test case (own the bank too: studies.banks.bank_importable)."""
    return {
        "can_decide": study_editable(user=user, study=study),
        "can_change_bank": bank_importable(user=user, name=study.bank, study=study),
    }
