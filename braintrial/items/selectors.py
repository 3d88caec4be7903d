"""Reads of the item bank. Who may read or fill a bank is decided in ``studies.banks``: a
researcher reads a bank through the studies they share with its owners."""

from __future__ import annotations

import uuid
from typing import NamedTuple

from django.db.models import Q, QuerySet
from django.db.models.functions import Left

from braintrial.items.builtin import BUILTIN_BANK
from braintrial.items.models import Item


def item_list(
    *, bank: str | None = None, kind: str | None = None, source: str | None = None
) -> QuerySet[Item]:
    """Items in file order, optionally narrowed to a bank, kind and source."""
    items = Item.objects.all()
    if bank is not None:
        items = items.filter(bank=bank)
    if kind is not None:
        items = items.filter(kind=kind)
    if source is not None:
        items = items.filter(source=source)
    return items.order_by("bank", "source", "source_file", "row")


def item_test_cases(*, bank: str) -> QuerySet[Item]:
    """The items of a bank that count in analyses: practice and catch items left out."""
    return item_list(bank=bank, kind=Item.Kind.TEST)


def item_paper_key(*, doi: str, pk: int) -> str:
    """The paper an item reports: its DOI, normalised; an item without one is a paper of its own.
    A participant never sees two items of one paper (a GPT-4 case shares its human case's DOI)."""
    return doi.strip().lower() or f"item:{pk}"


def items_servable(*, bank: str, skip_flagged: bool) -> QuerySet[Item]:
    """Everything a study on ``bank`` may show participants: the bank's test items, and the
    practice and catch items of the bank and of the built-in bank. With ``skip_flagged`` (the
    study setting ``Study.skip_flagged_items``) items the importer flagged as defective are left
    out. The assignment draws from these and the study's readiness counts them, so the two
    cannot disagree. Only current versions: a superseded or retired version is never served
    (items.services.versions)."""
    items = Item.objects.filter(
        Q(bank=bank) | Q(bank=BUILTIN_BANK, kind__in=[Item.Kind.PRACTICE, Item.Kind.CATCH]),
        retired_at__isnull=True,
    )
    return items.filter(defect="") if skip_flagged else items


def item_versions(*, lineage: uuid.UUID | str) -> QuerySet[Item]:
    """Every version of one test case, the first first."""
    return Item.objects.filter(lineage=lineage).order_by("version")


def item_version_labels(*, ids: list[int]) -> dict[int, str]:
    """Each item's version as researchers read it: "v2", "v1 (superseded)", "v3 (retired)"."""
    rows = Item.objects.filter(pk__in=ids).values_list("pk", "version", "retirement")
    return {
        pk: f"v{version}" + (f" ({retirement})" if retirement else "")
        for pk, version, retirement in rows
    }


def items_flagged(*, bank: str) -> QuerySet[Item]:
    """The bank's items that the importer flagged as defective, with the reason in ``defect``,
    in file order."""
    return item_list(bank=bank).exclude(defect="")


TITLE_CHARACTERS = 110


def item_title(original: str) -> str:
    """A short name of a test case for researchers: the first sentence of its published
    abstract, cut at a word near ``TITLE_CHARACTERS`` characters (the items carry no titles of
    their papers)."""
    text = " ".join(original.split())
    end = text.find(". ")
    sentence = text if end < 0 else text[: end + 1]
    if len(sentence) <= TITLE_CHARACTERS:
        return sentence
    cut = sentence.rfind(" ", 0, TITLE_CHARACTERS)
    return sentence[: cut if cut > 0 else TITLE_CHARACTERS].rstrip(",;:") + "…"


def doi_name(doi: str) -> str:
    """The DOI itself ("10.1523/..."), whether stored bare or as a doi.org address."""
    name = doi.strip()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"):
        if name.lower().startswith(prefix):
            return name[len(prefix) :]
    return name


def item_labels(*, bank: str, ids: list[int]) -> dict[int, dict[str, str]]:
    """Each item of ``bank`` among ``ids``: its title, journal section and DOI (bare)."""
    rows = (
        Item.objects.filter(bank=bank, pk__in=ids)
        .annotate(start=Left("original", 600))
        .values_list("pk", "start", "journal_section", "doi")
    )
    return {
        pk: {"title": item_title(start), "section": section, "doi": doi_name(doi)}
        for pk, start, section, doi in rows
    }


def item_of_bank(*, bank: str, pk: int) -> Item | None:
    """The test item ``pk`` of ``bank``, or None where the bank holds no such item."""
    return Item.objects.filter(bank=bank, kind=Item.Kind.TEST, pk=pk).first()


TOPIC_WORDS = 12


class Topic(NamedTuple):
    """An abstract's opening words; ``cut``: the sentence goes on past them."""

    text: str
    cut: bool


def item_topic(*, original: str, altered: str) -> Topic:
    """What an abstract is about, in its own opening words: the first sentence the two versions
    share, cut at TOPIC_WORDS words. Only shared words, so the topic never tells which version
    was the published one; empty when the versions differ from the first word."""
    words, other = original.split(), altered.split()
    shared = 0
    while shared < min(len(words), len(other)) and words[shared] == other[shared]:
        shared += 1
    topic: list[str] = []
    for word in words[: min(shared, TOPIC_WORDS)]:
        topic.append(word)
        if word.endswith((".", "?", "!")):
            return Topic(" ".join(topic), cut=False)
    return Topic(" ".join(topic), cut=0 < len(topic) < len(words))


def item_topics(*, item_ids: list[int]) -> dict[int, Topic]:
    """``item_topic`` of each item, by id, in one query."""
    rows = Item.objects.filter(pk__in=item_ids).values_list("pk", "original", "altered")
    return {pk: item_topic(original=original, altered=altered) for pk, original, altered in rows}
