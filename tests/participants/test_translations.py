"""Participants in their own language: every fixed string of every participant page is
translated, and the catalogues themselves are complete and consistent.

The check walks the same participant journeys in English and in each language and compares the
visible text of the pages (text nodes and the attributes people or screen readers read). A
stretch of text that is the same in both, once the study's own content is taken out, is English
left untranslated.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.utils import timezone

from braintrial.participants.models import Participant
from braintrial.participants.services.withdrawal import withdrawal_reference
from braintrial.resilience import unavailable_response
from braintrial.studies.models import Study
from braintrial.studies.services import study_create
from tests.participants.conftest import (
    BANK,
    DEMOGRAPHICS,
    answer_data,
    current_position,
    flow_url,
    start,
    walk_to_practice,
)

LANGUAGES = [code for code, _ in settings.LANGUAGES if code != "en"]
LOCALE = Path(settings.LOCALE_PATHS[0])
# The study's own content, shown as the researcher wrote it, in whatever language.
STUDY_CONTENT = {
    "title": "Pilot study",
    "institution": "University of Example",
    "contact_email": "brain@example.org",
    "completion_code": "C0DE42",
}
# Translations that are rightly spelled as in English.
SAME_IN = {
    "de": {"Version A", "Version B"},
    "es": {"No"},
    "zh-hans": set(),
}
READ_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt"}
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}")


@dataclass(frozen=True)
class Content:
    """What the researcher or the item bank wrote: short fields are taken out of any text they
    stand in; a text that is part of a long one (an abstract, a consent text) is left alone."""

    fields: set[str]
    texts: set[str]


class _Texts(HTMLParser):
    """Visible text stretches of a page and the attributes that are read out."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0
        self._select_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip += 1
        if tag == "select":
            # Country names: checked against the CLDR in their own test.
            self._select_depth += 1
        for name, value in attrs:
            if value and (name in READ_ATTRIBUTES or (name.startswith("data-") and " " in value)):
                self.texts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._skip -= 1
        if tag == "select":
            self._select_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and not self._select_depth:
            self.texts.append(data)


def visible_texts(page: str, *, content: Content) -> set[str]:
    parser = _Texts()
    parser.feed(page)
    found = set()
    for text in parser.texts:
        for own in content.fields:
            text = text.replace(own, " ")
        text = " ".join(text.split()).strip(" ·")
        if not re.search(r"[A-Za-z]{2,}", text):
            continue
        # A stretch of an abstract (the highlighted differences split it into several).
        if any(text in long for long in content.texts):
            continue
        found.add(text)
    return found


def untranslated(english: str, translated: str, *, language: str, content: Content) -> set[str]:
    same = visible_texts(english, content=content) & visible_texts(translated, content=content)
    return same - SAME_IN[language]


def _study(**extra: Any) -> Study:
    fields: dict[str, Any] = {
        "bank": BANK,
        "debrief_detail": Study.DebriefDetail.FULL,
        "show_model_comparison": True,
        "highlight_differences": True,
        "outside_help_per_trial": True,
        "completion_url": "https://app.prolific.com/submissions/complete?cc=C0DE42",
        "is_open": True,
        **{k: v for k, v in STUDY_CONTENT.items() if k != "title"},
    }
    fields.update(extra)
    slug = fields.pop("slug")
    return study_create(slug=slug, title=STUDY_CONTENT["title"], **fields)


def _pages_of_a_whole_session(study: Study) -> Iterator[tuple[str, str]]:
    """(page name, HTML) of every page a participant meets on the way through, errors included."""
    client = Client(REMOTE_ADDR="198.51.100.7")
    yield "landing", client.get(f"/s/{study.slug}/").content.decode()
    start(client, study)
    yield "consent", client.get(flow_url(study)).content.decode()
    client.post(flow_url(study), {"step": "consent", "consent": "agree"})
    yield "demographics", client.get(flow_url(study)).content.decode()
    bad = {**DEMOGRAPHICS, "age": "20", "experience_years": "15", "gender": ""}
    yield "demographics with errors", client.post(flow_url(study), bad).content.decode()
    client.post(flow_url(study), DEMOGRAPHICS)
    yield "instructions", client.get(flow_url(study)).content.decode()
    client.post(flow_url(study), {"step": "instructions"})
    position, practice = current_position(client, study)
    yield "practice trial", practice.content.decode()
    missing = {"step": "practice", "position": str(position)}
    yield "trial with errors", client.post(flow_url(study), missing).content.decode()
    client.post(flow_url(study), answer_data(position, "practice"))
    yield "practice over", client.get(flow_url(study)).content.decode()
    client.post(flow_url(study), {"step": "practice_over"})
    yield "trial", client.get(flow_url(study)).content.decode()
    yield "answered note", client.get(flow_url(study) + "?note=answered").content.decode()
    unknown = {"step": "no-such-step"}
    yield "conflict", client.post(flow_url(study), unknown).content.decode()
    answer_all_remaining(client, study)
    yield "debrief", client.get(flow_url(study)).content.decode()
    client.post(flow_url(study), {"step": "debrief", "outside_help": "no", "feedback": ""})
    yield "complete", client.get(flow_url(study)).content.decode()
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Participant.objects.filter(study=study).update(completed_at=an_hour_ago)
    yield "complete, reference no longer shown", client.get(flow_url(study)).content.decode()
    yield from _challenge_pages(client, study)
    yield from _privacy_and_withdrawal_pages(client, study)
    # The same browser (its mark) without the study's cookie, starting again.
    again = Client(REMOTE_ADDR="198.51.100.7")
    again.cookies["bt_mark"] = client.cookies["bt_mark"].value
    yield "taken", start(again, study).content.decode()


def _challenge_pages(client: Client, study: Study) -> Iterator[tuple[str, str]]:
    """Reporting a problem with a test case after the debrief: the form, its refusals, the
    thanks."""
    url = f"/s/{study.slug}/challenge/"
    yield "challenge", client.get(url).content.decode()
    position = Participant.objects.get(study=study).trials.filter(kind="test").first().position
    empty = {"position": str(position), "kind": "other", "text": ""}
    yield "challenge without text", client.post(url, empty).content.decode()
    unseen = {"position": "999", "kind": "typo"}
    yield "challenge of an unseen test case", client.post(url, unseen).content.decode()
    done = {"position": str(position), "kind": "typo"}
    yield "challenge stored", client.post(url, done).content.decode()
    yield "challenge again", client.post(url, done).content.decode()


def _privacy_and_withdrawal_pages(client: Client, study: Study) -> Iterator[tuple[str, str]]:
    """The privacy notice and the withdrawal pages, from the browser that has just completed."""
    yield "privacy notice", client.get(f"/s/{study.slug}/privacy/").content.decode()
    url = f"/s/{study.slug}/withdraw/"
    yield "withdrawal", client.get(url).content.decode()
    yield (
        "withdrawal by session after completion",
        client.post(url, {"how": "session"}).content.decode(),
    )
    bad = {"how": "reference", "reference": "x"}
    yield "withdrawal with a malformed reference", client.post(url, bad).content.decode()
    unknown = {"how": "reference", "reference": "AAAA-BBBB-CCCC"}
    yield "withdrawal with an unknown reference", client.post(url, unknown).content.decode()
    reference = withdrawal_reference(participant=Participant.objects.get(study=study))
    done = {"how": "reference", "reference": reference}
    yield "withdrawn", client.post(url, done).content.decode()


def answer_all_remaining(client: Client, study: Study) -> None:
    while True:
        page = client.get(flow_url(study)).content.decode()
        if 'name="position"' not in page:
            return
        position, _ = current_position(client, study)
        data = answer_data(position, outside_help="no")
        assert client.post(flow_url(study), data).status_code == 302


def _pages_off_the_path(study: Study, closed: Study, prolific: Study) -> Iterator[tuple[str, str]]:
    declining = Client(REMOTE_ADDR="198.51.100.8")
    start(declining, study)
    declining.post(flow_url(study), {"step": "consent", "consent": "decline"})
    yield "declined", declining.get(flow_url(study)).content.decode()

    forged = Client(REMOTE_ADDR="198.51.100.9")
    forged.cookies[f"bt_{study.slug}"] = "not-a-token"
    yield "forbidden", forged.get(flow_url(study)).content.decode()

    yield "closed", start(Client(REMOTE_ADDR="198.51.100.10"), closed).content.decode()
    yield "prolific link without its ids", Client().get(f"/s/{prolific.slug}/").content.decode()

    first = Client(REMOTE_ADDR="198.51.100.11")
    start(first, study, pid="lab-member-1")
    elsewhere = Client(REMOTE_ADDR="198.51.100.12")
    yield "elsewhere", start(elsewhere, study, pid="lab-member-1").content.decode()

    limited = _study(
        slug=f"{study.slug}-limited", language=study.language, starts_per_address_per_hour=1
    )
    start(Client(REMOTE_ADDR="203.0.113.5"), limited)
    yield "busy", start(Client(REMOTE_ADDR="203.0.113.5"), limited).content.decode()

    idle = Client(REMOTE_ADDR="198.51.100.13")
    walk_to_practice(idle, study)
    Participant.objects.filter(status=Participant.Status.ACTIVE).update(
        status=Participant.Status.ABANDONED, updated_at=timezone.now()
    )
    yield "expired", idle.get(flow_url(study)).content.decode()

    taking_part = Client(REMOTE_ADDR="198.51.100.14")
    walk_to_practice(taking_part, study)
    yield (
        "withdrawal during the study",
        taking_part.get(f"/s/{study.slug}/withdraw/").content.decode(),
    )

    request = RequestFactory().get(flow_url(study), HTTP_ACCEPT_LANGUAGE=study.language)
    yield "database unavailable", unavailable_response(request).content.decode()


def _all_pages(language: str) -> dict[str, str]:
    suffix = language.replace("-", "")
    study = _study(slug=f"pilot-{suffix}", language=language)
    closed = _study(slug=f"closed-{suffix}", language=language, is_open=False)
    prolific = _study(slug=f"prolific-{suffix}", language=language, prolific_mode=True)
    pages = dict(_pages_of_a_whole_session(study))
    pages.update(_pages_off_the_path(study, closed, prolific))
    return pages


@pytest.fixture
def content(bank: list[Any]) -> Content:
    """Everything on the pages that the researcher or the item bank wrote, and the product's
    name in the page header."""
    from braintrial.items.models import Item

    texts = {text for item in Item.objects.all() for text in (item.original, item.altered)}
    return Content(fields={*STUDY_CONTENT.values(), "braintrial"}, texts=texts)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_participant_page_is_in_the_studys_language(language: str, content: Content) -> None:
    english = _all_pages("en")
    translated = _all_pages(language)
    assert english.keys() == translated.keys()
    left = {}
    for name, page in translated.items():
        if found := untranslated(english[name], page, language=language, content=content):
            left[name] = found
    assert left == {}, f"English left on the {language} pages: {left}"
    for name, page in translated.items():
        assert f'<html lang="{language}">' in page, name


@pytest.mark.django_db
def test_the_check_finds_english_left_on_a_page(content: Content) -> None:
    """Guards the guard: an untranslated sentence on an otherwise German page is found."""
    english = _all_pages("en")["landing"]
    german = _all_pages("de")["landing"].replace("Willkommen", "Welcome")
    assert "Welcome" in untranslated(english, german, language="de", content=content)


@pytest.mark.django_db
def test_country_names_follow_the_language_and_keep_the_published_values(
    client: Client, bank: list[Any]
) -> None:
    study = _study(slug="pilot-de-countries", language="de")
    start(client, study)
    client.post(flow_url(study), {"step": "consent", "consent": "agree"})
    page = client.get(flow_url(study)).content.decode()
    assert '<option value="Germany">Deutschland</option>' in page
    assert '<option value="United States">Vereinigte Staaten</option>' in page
    assert '<option value="Hong Kong">Hongkong</option>' in page
    assert '<option value="Prefer Not to Answer">Keine Angabe</option>' in page
    assert client.post(flow_url(study), DEMOGRAPHICS).status_code == 302
    assert Participant.objects.get(study=study).country == "Germany"


@pytest.mark.django_db
def test_researcher_pages_stay_english_whatever_a_study_speaks(
    client: Client, bank: list[Any]
) -> None:
    _study(slug="pilot-zh", language="zh-hans")
    page = client.get("/accounts/login/").content.decode()
    assert 'lang="en' in page


def _catalogues() -> Iterator[tuple[str, polib.POFile]]:
    for path in sorted(LOCALE.glob("*/LC_MESSAGES/django.po")):
        yield path.parent.parent.name, polib.pofile(str(path))


def test_there_is_a_catalogue_for_every_offered_language() -> None:
    found = {name.lower().replace("_", "-") for name, _ in _catalogues()}
    assert found == set(LANGUAGES)


@pytest.mark.parametrize("name,catalogue", list(_catalogues()))
def test_catalogues_are_complete_reviewed_and_keep_their_placeholders(
    name: str, catalogue: polib.POFile
) -> None:
    assert catalogue.percent_translated() == 100, catalogue.untranslated_entries()
    assert not catalogue.fuzzy_entries()
    assert not catalogue.obsolete_entries()
    for entry in catalogue:
        wanted = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        translations: list[str] = (
            list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        )
        for text in translations:
            # A singular form may say "one" instead of the number.
            got = sorted(PLACEHOLDER.findall(text))
            assert set(got) <= set(wanted) and (got == wanted or entry.msgid_plural), (
                entry.msgid,
                text,
            )


def _compiled_matches(name: str) -> Callable[[], bool]:
    po = LOCALE / name / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    return lambda: mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime


@pytest.mark.parametrize("name", [name for name, _ in _catalogues()])
def test_compiled_catalogues_are_current(name: str) -> None:
    """The tests run on the compiled .mo files (make messages): a stale one would hide a
    translation just written."""
    assert _compiled_matches(name)(), f"run 'make messages' ({name})"
