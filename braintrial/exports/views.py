"""Download views: one streaming CSV per study (or all of a researcher's studies)."""

from __future__ import annotations

from collections.abc import Generator

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from braintrial.audit.services import audit_download_record
from braintrial.exports.options import ExportOptionError, ExportOptions, export_options_parse
from braintrial.exports.rows import EXPORT_KINDS
from braintrial.exports.selectors import (
    ALL_STUDIES,
    bank_file_chosen,
    bank_file_download_name,
    export_single,
    export_studies,
)
from braintrial.exports.writers import Started, csv_stream
from braintrial.items.published_csv import bank_csv
from braintrial.studies.heldout import items_withheld_ids
from braintrial.studies.models import Study
from braintrial.studies.selectors import study_get_for_researcher


@require_GET
@login_required
def export_csv(request: HttpRequest, kind: str, slug: str = ALL_STUDIES) -> HttpResponseBase:
    """``?include_excluded=1`` adds the rows an analysis leaves out; the dashboard's rule
    switches (``rules=custom&fast=on...``) apply as on the dashboard (see the dictionary);
    ``?pseudonymise=1`` replaces recruitment ids by keyed hashes. Every download is audited."""
    studies = export_studies(user=request.user, scope=slug)
    try:
        options = export_options_parse(query=request.GET, study=export_single(studies, scope=slug))
    except ExportOptionError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    stream = _audited_stream(request, kind=kind, studies=studies, options=options)
    return _download(stream, filename=f"{slug}-{kind}.csv")


def _audited_stream(
    request: HttpRequest, *, kind: str, studies: QuerySet[Study], options: ExportOptions
) -> Generator[bytes, None, None]:
    # Recorded before the file is read: the database connection is busy with the file's
    # COPY once it streams, and a download that fails half-way was still asked for.
    audit_download_record(
        actor=request.user, studies=studies, what=f"{kind}.csv", options=options.audited()
    )
    return csv_stream(
        kind=EXPORT_KINDS[kind],
        studies=studies,
        include_excluded=options.include_excluded,
        rules=options.rules,
        pseudonymise=options.pseudonymise,
        withheld=items_withheld_ids(user=request.user),
    )


def _download(stream: Generator[bytes, None, None], *, filename: str) -> StreamingHttpResponse:
    # Started runs the query now: if it fails, the researcher gets an error page, not a 200
    # whose file silently ends after the header.
    response = StreamingHttpResponse(Started(stream), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def dictionary(request: HttpRequest) -> HttpResponse:
    """Every column of every file, from the same definitions that write the files."""
    return render(request, "exports/dictionary.html", {"kinds": list(EXPORT_KINDS.values())})


@require_GET
@login_required
def bank_published_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The study bank's current test cases of one source file (``?file=``, optional for a bank
    of one file) in the published BrainBench format, for readers of the bank; audited."""
    study = study_get_for_researcher(user=request.user, slug=slug)
    try:
        name = bank_file_chosen(user=request.user, study=study, name=request.GET.get("file"))
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    except PermissionError as exc:
        return HttpResponseForbidden(str(exc), content_type="text/plain; charset=utf-8")
    what = f"bank {study.bank}: {name}"
    audit_download_record(actor=request.user, studies=[study], what=what, options={})
    text = bank_csv(bank=study.bank, source_file=name)
    return _text_download(text, filename=bank_file_download_name(study, name))


def _text_download(text: str, *, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
