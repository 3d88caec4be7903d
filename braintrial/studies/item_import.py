"""Importing a researcher's test-case CSV into a study's item bank.

Here, above the item bank: the bank knows nothing of the studies that draw from it.
"""

from __future__ import annotations

from typing import IO

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied

from braintrial.items.services.importing import ImportReport, items_import_content
from braintrial.items.services.preview import ItemPreview, items_preview_content
from braintrial.studies.banks import bank_importable
from braintrial.studies.models import Study
from braintrial.studies.selectors import study_editable


def items_import_into_study(
    *, user: User, study: Study, upload: IO[bytes], name: str, source: str
) -> ImportReport:
    """Import a test-case CSV into the bank of ``study`` (which passed the gatekeeper).

    Only the bank's owners who may change the study fill it (studies.banks.bank_importable):
    the new items reach every study drawing from it. Raises PermissionDenied for anyone else,
    ItemImportError for a file that cannot be imported.
    """
    bank_change_check(user=user, study=study)
    return items_import_content(content=upload, name=name, bank=study.bank, source=source)


def items_preview_for_study(
    *, user: User, study: Study, content: bytes, name: str, source: str
) -> ItemPreview:
    """Check a file for the bank of ``study`` without storing it (PermissionDenied as
    ``items_import_into_study`` for a bank the user does not own)."""
    bank_change_check(user=user, study=study)
    return items_preview_content(content=content, name=name, source=source)


def bank_change_check(*, user: User, study: Study) -> None:
    """PermissionDenied unless ``user`` may fill the bank of ``study`` (see above)."""
    if bank_importable(user=user, name=study.bank, study=study):
        return
    if not study_editable(user=user, study=study):  # only to say why
        raise PermissionDenied("You may read this study but not change it, nor its items.")
    raise PermissionDenied(
        f"Item bank {study.bank!r} belongs to another team; only its owners may import into it."
    )
