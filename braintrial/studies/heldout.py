"""Held-out items: the one owner of which items' texts may appear in a public download.

A study may keep a share of its bank's test items (``Study.held_out_share``, 0 to 0.5) out of
every public download of texts: the item API, the items file, the public results page and the
releases. Participants still answer them and models still score them; the report compares
accuracy on the held-out items with the public ones, so a model trained on the published texts
shows as a gap.

Which items: each test case of the study's bank draws a number in [0, 1) from HMAC-SHA256 of its
lineage (the id every version of the case shares, so a new version of a held-out case stays held
out) under the study's own random key (``Study.held_out_key``); it is held out when the number is
below the share. So the set

- is stable: it depends on the case's lineage, the key and the share only; items added to the bank
  later never move an earlier item in or out, and raising the share only adds items;
- cannot be guessed without the key, which is never shown, exported or written to the audit log;
- holds about ``share`` of the bank (each item independently), not exactly: the report counts it.

Who may read a held-out item's text: the researchers of the study that holds it out (through the
study gatekeeper, ``studies.selectors.studies_for_researcher``, so also whoever may read every
study). A bank shared by several studies keeps out of a user's downloads the items any study
they are not a researcher of holds out; the public (no user) gets none of them.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Q

from braintrial.items.models import Item
from braintrial.studies.models import Study
from braintrial.studies.selectors import studies_for_researcher

_SCALE = float(1 << 64)


def held_out_draw(*, key: str, case: object) -> float:
    """The test case's number in [0, 1) under ``key``: the first 8 bytes of
    HMAC-SHA256(key, str(case)), ``case`` being the item's lineage (one for all its versions)."""
    digest = hmac.new(key.encode("ascii"), str(case).encode("ascii"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def item_is_held_out(*, study: Study, item: Item) -> bool:
    """Whether ``study`` keeps ``item``'s texts out of public downloads: a test item of its
    bank whose draw is below the study's share."""
    return (
        study.held_out_share > 0
        and item.bank == study.bank
        and item.kind == Item.Kind.TEST
        and held_out_draw(key=study.held_out_key, case=item.lineage) < study.held_out_share
    )


def _held_out_of(*, study: Study, items: Iterable[tuple[int, object]]) -> set[int]:
    """The ids among ``items`` (pairs of id and lineage) that ``study`` holds out."""
    share, key = study.held_out_share, study.held_out_key
    return {pk for pk, lineage in items if held_out_draw(key=key, case=lineage) < share}


def study_held_out_ids(*, study: Study) -> frozenset[int]:
    """The ids of the test items of ``study``'s bank that it holds out (empty at share 0)."""
    if study.held_out_share <= 0:
        return frozenset()
    items = Item.objects.filter(bank=study.bank, kind=Item.Kind.TEST).values_list("pk", "lineage")
    return frozenset(_held_out_of(study=study, items=items))


def items_withheld_ids(
    *, user: User | AbstractBaseUser | AnonymousUser | None = None
) -> frozenset[int]:
    """The ids of the items whose texts ``user`` may not download: those held out by a study
    ``user`` is not a researcher of. ``None`` (or an anonymous user): the public, who may
    download none of them. A few HMACs per item of the banks that hold items out (about a
    millisecond per thousand items)."""
    holding = Study.objects.filter(held_out_share__gt=0)
    if user is not None:
        holding = holding.exclude(pk__in=studies_for_researcher(user=user).values("pk"))
    studies = list(holding.only("pk", "bank", "held_out_share", "held_out_key"))
    if not studies:
        return frozenset()
    banks = {study.bank for study in studies}
    items_by_bank: dict[str, list[tuple[int, object]]] = {bank: [] for bank in banks}
    tests = Item.objects.filter(bank__in=banks, kind=Item.Kind.TEST)
    for bank, pk, lineage in tests.values_list("bank", "pk", "lineage"):
        items_by_bank[bank].append((pk, lineage))
    withheld: set[int] = set()
    for study in studies:
        withheld |= _held_out_of(study=study, items=items_by_bank[study.bank])
    return frozenset(withheld)


def items_public_q(*, user: User | AbstractBaseUser | AnonymousUser | None = None) -> Q:
    """A filter on Item: the items whose texts may appear in a download for ``user`` (``None``:
    a public download, such as the public results page or a release). Every download of item
    texts filters or blanks through this, so no reader decides it on its own."""
    withheld = items_withheld_ids(user=user)
    return ~Q(pk__in=sorted(withheld)) if withheld else Q()


def item_text_public(
    *, item: Item, user: User | AbstractBaseUser | AnonymousUser | None = None
) -> bool:
    """Whether ``item``'s texts may be shown to ``user`` (``None``: the public)."""
    return item.pk not in items_withheld_ids(user=user)
