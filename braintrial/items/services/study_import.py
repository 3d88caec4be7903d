"""Importing a researcher's test-case CSV into a study's item bank."""

from __future__ import annotations

from typing import IO

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied

from braintrial.items.services.importing import ImportReport, items_import_content
from braintrial.items.services.preview import ItemPreview, items_preview_content
from braintrial.studies.models import Study
from braintrial.studies.selectors import studies_for_researcher


def items_import_into_study(
    *, user: User, study: Study, upload: IO[bytes], name: str, source: str
) -> ImportReport:
    """Import a test-case CSV into the bank of ``study`` (which passed the gatekeeper).

    A bank may be shared by several studies: only staff, or a researcher of every study that
    draws from it, may change it, since the new items reach every one of those studies.
    Raises PermissionDenied for that, ItemImportError for a file that cannot be imported.
    """
    bank_change_check(user=user, study=study)
    return items_import_content(content=upload, name=name, bank=study.bank, source=source)


def items_preview_for_study(
    *, user: User, study: Study, content: bytes, name: str, source: str
) -> ItemPreview:
    """Check a file for the bank of ``study`` without storing it (PermissionDenied as
    ``items_import_into_study`` for a bank shared with others' studies)."""
    bank_change_check(user=user, study=study)
    return items_preview_content(content=content, name=name, source=source)


def bank_change_check(*, user: User, study: Study) -> None:
    """PermissionDenied unless ``user`` may change the bank of ``study`` (see above)."""
    if not user.is_staff:
        others = Study.objects.filter(bank=study.bank).exclude(
            pk__in=studies_for_researcher(user=user).values("pk")
        )
        if others.exists():
            raise PermissionDenied(
                f"Item bank {study.bank!r} is shared with studies you are not a researcher of; "
                "ask staff to import into it."
            )
