"""Reads behind the exports: which studies a request covers."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.http import Http404

from braintrial.items.published_csv import bank_file_item_ids, bank_source_files
from braintrial.studies.banks import bank_readable
from braintrial.studies.heldout import items_withheld_ids
from braintrial.studies.models import Study
from braintrial.studies.selectors import studies_for_researcher, study_get_for_researcher

ALL_STUDIES = "all"


def export_studies(*, user: AbstractBaseUser | AnonymousUser, scope: str) -> QuerySet[Study]:
    """The studies an export covers: every study the user may read (``scope == "all"``) or the
    one with slug ``scope``, through the researcher gatekeeper (Http404 if not theirs)."""
    if scope == ALL_STUDIES:
        return studies_for_researcher(user=user)
    study = study_get_for_researcher(user=user, slug=scope)
    return Study.objects.filter(pk=study.pk)


def export_single(studies: QuerySet[Study], *, scope: str) -> Study | None:
    """The one study of a file for one study (already through the gatekeeper), else None."""
    return None if scope == ALL_STUDIES else studies.get()


def bank_file_chosen(
    *, user: AbstractBaseUser | AnonymousUser, study: Study, name: str | None
) -> str:
    """The source file of the bank of ``study`` (already through the gatekeeper) a download
    asks for: ``name``, or the bank's only file. Http404 where the user may not read the bank,
    ValueError naming the bank's files where ``name`` is none of them, PermissionError where a
    study the user is not a researcher of holds some of its texts out (the file is the bank's
    texts in full or nothing: leaving rows out would break its round trip)."""
    if not bank_readable(user=user, name=study.bank):
        raise Http404("No such item bank.")
    files = bank_source_files(bank=study.bank)
    chosen = name if name is not None else (files[0] if len(files) == 1 else "")
    if chosen not in files:
        listed = ", ".join(files) or "none"
        raise ValueError(f"Name one of the bank's files with ?file= (its files: {listed}).")
    withheld = bank_file_item_ids(bank=study.bank, source_file=chosen) & items_withheld_ids(
        user=user
    )
    if withheld:
        raise PermissionError(
            f"{len(withheld)} test case(s) of {chosen} are held out of downloads by a study you "
            "are not a researcher of; ask its researchers for the file."
        )
    return chosen


def bank_file_download_name(study: Study, name: str) -> str:
    """A file name for the header: the bank and the file, letters, digits, '.', '-', '_' only."""
    cleaned = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in name)
    return f"{study.bank}-{cleaned if cleaned.endswith('.csv') else cleaned + '.csv'}"
