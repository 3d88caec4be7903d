"""The demographics page in German, Spanish and Chinese in Chromium (issue 28): the country
list in the order of the page's alphabet, not English's, and Chinese labels end in their own
full-width question mark with no ASCII colon after it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import pyuca
from django.db import connection
from django.utils import timezone
from playwright.sync_api import Page, expect, sync_playwright

from braintrial.studies.models import Study
from tests.participants.test_browser import ARGS, CHROMIUM, WIDE, audit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
START = {"de": "Starten", "es": "Empezar", "zh-hans": "开始"}
AGREE = {
    "de": "Ich willige in die Teilnahme ein",
    "es": "Acepto participar",
    "zh-hans": "我同意参加",
}
FULL_QUESTION, FULL_COLON = "\uff1f", "\uff1a"


def countries_shown(page: Page, language: str, url: str) -> list[str]:
    """The country select's labels on the demographics page, the empty choice and the two
    answers that are no country left out."""
    # A new saved version: the server's copy of the study follows it.
    Study.objects.filter(slug="pilot").update(language=language, updated_at=timezone.now())
    connection.close()
    page.goto(url + f"?pid={language}")
    page.get_by_role("button", name=START[language]).click()
    page.get_by_role("button", name=AGREE[language]).click()
    labels = page.locator("#id_country option").all_inner_texts()
    return labels[1:-2]


def test_the_country_list_follows_each_languages_alphabet(
    study: Study, live_server: Any, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    url = f"{live_server.url}/s/{study.slug}/"
    collator = pyuca.Collator()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=WIDE)

        german = countries_shown(page, "de", url)
        assert german == sorted(german, key=collator.sort_key)
        # Umlauts sort with their vowel (DIN 5007), not after Z; Germany under D, not G.
        assert german.index("Ägypten") < german.index("Albanien")
        assert german.index("Oman") < german.index("Österreich") < german.index("Pakistan")
        assert german.index("Dänemark") < german.index("Deutschland") < german.index("Dominica")
        audit(page, output_dir, "de-demographics")

        page = browser.new_page(viewport=WIDE)
        spanish = countries_shown(page, "es", url)
        assert spanish == sorted(spanish, key=collator.sort_key)
        assert spanish.index("Alemania") < spanish.index("Andorra")
        assert spanish.index("España") < spanish.index("Estados Unidos")

        page = browser.new_page(viewport=WIDE)
        chinese = countries_shown(page, "zh-hans", url)
        # Pinyin order: the a- names (阿...) first, zh- names (中国, 智利) at the end.
        assert chinese[0].startswith("阿") and chinese[-1].startswith("中")
        assert chinese.index("德国") < chinese.index("法国") < chinese.index("美国")
        for label in page.locator("label").all_inner_texts():
            ending = (FULL_QUESTION + ":", "?:", FULL_COLON + ":")
            assert not label.rstrip().endswith(ending), label
        gender = page.locator("label[for=id_gender]")
        expect(gender).to_have_text("您的性别认同是什么" + FULL_QUESTION)
        audit(page, output_dir, "zh-demographics")
        browser.close()
