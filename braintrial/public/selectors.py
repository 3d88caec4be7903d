"""Reads behind the public results page, its JSON and its chart: nothing here computes a figure.

The one gatekeeper of public access is ``public_study_get``: a study whose researchers have not
switched its public page on is "not found", exactly as a study that does not exist. Every
figure comes from the study report the background worker keeps in the cache
(braintrial.dashboard.services); a request only reads it, so the page answers in a few
milliseconds and keeps answering while the worker is down.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TypedDict

from django.http import Http404

from braintrial.analysis.types import Accuracy, StudyReport
from braintrial.dashboard.selectors import (
    study_report_latest,
    study_report_read,
    study_withdrawn_count,
)
from braintrial.public.models import Release
from braintrial.studies.models import Study

# The item sources the public figures give, in the order shown: every test item, then each.
SOURCES = ("all", "human", "gpt4")
SOURCE_LABELS = {"all": "All items", "human": "Human-written items", "gpt4": "GPT-4-written items"}


class SourceFigures(TypedDict):
    accuracy: Accuracy
    by_section: dict[str, Accuracy]


class PublicHumans(TypedDict):
    provisional: bool
    participants: int  # analysed: completed and kept by the study's rules
    planned: int | None
    sources: dict[str, SourceFigures]


class PublicModel(TypedDict):
    name: str
    display_name: str
    provisional: bool  # not published and not yet scored on every test item of the bank
    n_items_scored: int
    n_items: int
    sources: dict[str, SourceFigures]  # empty while provisional and not in the report


class PublicRelease(TypedDict):
    number: int
    label: str
    date: str  # YYYY-MM-DD (UTC)
    checksum: str


class PublicResults(TypedDict):
    study: dict[str, str]
    ready: bool  # False while no report is cached: the figures are being computed
    computed_at: str | None  # ISO 8601, UTC, to the minute
    n_items: int
    humans: PublicHumans | None
    models: list[PublicModel]
    releases: list[PublicRelease]
    # Each source group in words: the machine-written group names the sources it holds
    # (GPT-4-written, model-drafted or both, items.sources).
    labels: dict[str, str]


def public_answer_key(*, study: Study, kind: str, extra: str = "") -> str | None:
    """Where a built public answer (``kind``: the page, the JSON, a chart) of the study's
    current cached report is kept; None while no report can be shown (the answer then says so
    and is built each time). It changes with the report, the study's settings, a withdrawal
    and every new release, so no stale answer is ever served."""
    latest = study_report_latest(study_id=study.pk)
    withdrawn = study_withdrawn_count(study=study)
    if latest is None or latest["withdrawn"] != withdrawn:
        return None
    releases = list(Release.objects.filter(study=study).values_list("number", flat=True))
    parts = [study.pk, study.updated_at, latest["version"], latest["computed_at"], withdrawn]
    blob = "|".join(str(part) for part in [*parts, releases, kind, extra])
    return "public:answer:" + hashlib.sha1(blob.encode()).hexdigest()


def public_study_get(*, slug: str) -> Study:
    """The study at ``slug`` if its public page is switched on; else Http404, the same answer
    as for a study that does not exist."""
    study = Study.objects.filter(slug=slug, public_results=True).first()
    if study is None:
        raise Http404("No such study.")
    return study


def public_report_read(*, study: Study) -> tuple[StudyReport | None, float | None]:
    """The study's latest cached report (its own rules) and when it was computed (Unix time);
    (None, None) while none is cached, or where the one cached predates a withdrawal (it holds
    answers erased since, and is never shown again)."""
    latest = study_report_latest(study_id=study.pk)
    if latest is None or latest["withdrawn"] != study_withdrawn_count(study=study):
        return None, None
    report = study_report_read(study_id=study.pk, rules=None, version=latest["version"])
    return report, (latest["computed_at"] if report is not None else None)


def _figures(report: StudyReport, pick: str, name: str = "") -> dict[str, SourceFigures]:
    figures: dict[str, SourceFigures] = {}
    for source in SOURCES:
        block = report["sources"].get(source)
        if block is None:
            continue
        if pick == "humans":
            part = block["humans"]
            figures[source] = {"accuracy": part["accuracy"], "by_section": part["by_section"]}
        elif name in block["models"]:
            model = block["models"][name]
            figures[source] = {"accuracy": model["accuracy"], "by_section": model["by_section"]}
    return figures


def public_results_from_report(
    *, study: Study, report: StudyReport | None, computed_at: float | None
) -> PublicResults:
    """The public figures of ``report``: humans against every model, by source and section.

    A model is provisional until it has scored every test item in the report's scope and a
    finished run covers them (those the report skipped have not: a run short of items, or one
    still being scored, listed with the items it has so far; they show no figure yet); a
    published model's scores are final as published. The humans are provisional until the
    study's planned number of participants is analysed (always, where the study names no
    number). Nothing here names a participant or a researcher."""
    results: PublicResults = {
        "study": {"slug": study.slug, "title": study.title},
        "ready": report is not None,
        "computed_at": None,
        "n_items": 0,
        "humans": None,
        "models": [],
        "releases": public_releases(study=study),
        "labels": dict(SOURCE_LABELS),
    }
    if report is None or computed_at is None:
        return results
    for source in SOURCES:
        group = report["sources"].get(source)
        label = group.get("label") if group else None  # a report cached before labels: none
        if source != "all" and label:
            results["labels"][source] = f"{label[:1].upper()}{label[1:]} items"
    moment = datetime.fromtimestamp(computed_at, tz=UTC).replace(second=0, microsecond=0)
    n_items = report["sources"]["all"]["n_items"]
    participants = report["participation"]["included_participants"]
    planned = study.planned_participants
    results["computed_at"] = moment.isoformat().replace("+00:00", "Z")
    results["n_items"] = n_items
    results["humans"] = {
        "provisional": planned is None or participants < planned,
        "participants": participants,
        "planned": planned,
        "sources": _figures(report, "humans"),
    }
    skipped = {scorer["name"] for scorer in report["scorers_skipped"]}
    for scorer in [*report["scorers"], *report["scorers_skipped"]]:
        results["models"].append(
            {
                "name": scorer["name"],
                "display_name": scorer["display_name"] or scorer["name"],
                # Published scores are final as published (some models of the paper were
                # scored on the human-written items only); any other model's are provisional
                # until it has scored every item and a finished run vouches for them: one the
                # report skips (short of items, or its run not yet done) shows no figure.
                "provisional": not scorer["is_published"]
                and (scorer["name"] in skipped or scorer["n_items_scored"] < n_items),
                "n_items_scored": scorer["n_items_scored"],
                "n_items": n_items,
                "sources": _figures(report, "models", scorer["name"]),
            }
        )
    return results


def public_results(*, study: Study) -> PublicResults:
    """What the public page, its JSON and its chart show (the cached report only)."""
    report, computed_at = public_report_read(study=study)
    return public_results_from_report(study=study, report=report, computed_at=computed_at)


def public_releases(*, study: Study) -> list[PublicRelease]:
    """The study's releases, newest first."""
    rows = Release.objects.filter(study=study).order_by("-number")
    return [
        {
            "number": number,
            "label": f"v{number}",
            "date": created_at.astimezone(UTC).date().isoformat(),
            "checksum": checksum,
        }
        for number, created_at, checksum in rows.values_list("number", "created_at", "checksum")
    ]


def public_release_get(*, study: Study, number: int) -> Release:
    """Release ``number`` of a public study; Http404 where there is none."""
    release = Release.objects.filter(study=study, number=number).first()
    if release is None:
        raise Http404("No such release.")
    return release
