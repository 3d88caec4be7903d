"""The items-and-models page of the published study: sorting, filtering, planning, and refusal
of parameters it does not understand."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(published: Any, django_user_model: Any) -> Client:
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("reader", password="x")
    user.user_permissions.add(Permission.objects.get(codename="view_all_studies"))
    client = Client()
    client.force_login(user)
    return client


URL = "/dashboard/brainbench-2024/science/"


def item_ids(page: str) -> list[int]:
    table = page[page.index('id="item-table"') :]
    return [int(x) for x in re.findall(r'/science/items/(\d+)/"', table)]


def test_page_shows_intervals_abilities_planning_and_items(reader: Client) -> None:
    response = reader.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Experts: headline range" in page and "Experts: modelled" in page
    assert "the paper&#x27;s 15 LLMs" in page and "all 26 scorers" in page
    assert "cannot tell how much the experts differ" in page
    # The spread of experts is not identified: no "top x%" column.
    assert '<th scope="col">Performs like the top</th>' not in page
    assert page.count('<th scope="row">', page.index('id="abilities"')) >= 26
    assert re.search(r"<strong>\d+ experts</strong>", page)
    assert len(item_ids(page)) == 300
    # Methods are named in words with their references, not by internal ids.
    for internal in ("bootstrap_crossed", "bootstrap_participants", "'mixed'"):
        assert internal not in page
    assert "Benjamini &amp; Hochberg 1995" in page and "Wilson 1927" in page


def test_items_are_named_by_title_section_and_doi_with_their_versions_a_click_away(
    reader: Client, published: Any
) -> None:
    from braintrial.items.models import Item

    item = Item.objects.filter(source="human").exclude(defect="").get()  # human row 62
    page = reader.get(URL + "?source=human").content.decode()
    table = page[page.index('id="item-table"') :]
    assert f"/science/items/{item.pk}/" in table
    doi = item.doi.removeprefix("https://doi.org/")
    assert f'href="https://doi.org/{doi}"' in table and f"doi:{doi}<" in table
    assert item.journal_section in table
    assert "importer: " in table  # row 62's defect, apart from the data-driven flags
    versions = reader.get(f"{URL}items/{item.pk}/")
    assert versions.status_code == 200
    text = versions.content.decode()
    assert item.original[:80] in text and item.altered[:80] in text
    assert "Flagged by the importer" in text
    assert "models (the paper&#x27;s 15 LLMs)" in text
    assert reader.get(f"{URL}items/999999999/").status_code == 404


def test_items_sort_and_filter(reader: Client) -> None:
    page = reader.get(URL + "?sort=discrimination&order=desc&source=human").content.decode()
    ids = item_ids(page)
    assert ids and len(ids) == 200
    # On about five answers per test case nothing stands out beyond chance.
    suspects = item_ids(reader.get(URL + "?suspect=on").content.decode())
    assert suspects == []


def test_planning_answers_change_with_the_target(reader: Client) -> None:
    def participants(page: str) -> int:
        return int(re.search(r"<strong>(\d+) experts</strong>", page).group(1))

    loose = participants(reader.get(URL + "?half_width=0.08").content.decode())
    tight = participants(reader.get(URL + "?half_width=0.04").content.decode())
    assert tight > loose


@pytest.mark.parametrize(
    "query", ["?sort=secret", "?order=up", "?source=x", "?half_width=2", "?power=abc"]
)
def test_bad_parameters_get_a_400_that_names_them(reader: Client, query: str) -> None:
    response = reader.get(URL + query)
    assert response.status_code == 400
    name = query[1:].split("=")[0]
    assert name in response.content.decode()


def test_the_study_page_draws_each_models_lead_over_the_average_expert(reader: Client) -> None:
    page = reader.get("/dashboard/brainbench-2024/").content.decode()
    assert "How far ahead of the average expert is each model?" in page
    assert "average of the n = 171 experts" in page


def test_another_teams_study_is_not_found(published: Any, django_user_model: Any) -> None:
    user = django_user_model.objects.create_user("stranger", password="x")
    client = Client()
    client.force_login(user)
    assert client.get(URL).status_code == 404


def test_the_page_compares_model_families_and_says_when_they_cannot_be_told_apart(
    reader: Client,
) -> None:
    page = reader.get(URL).content.decode()
    section = page[page.index('id="families"') : page.index('id="abilities"')]
    assert "Do model families differ?" in section
    assert "These answers cannot tell whether the 4 model families differ" in section
    assert "The 7 model families differ" in section
    for name in ("Galactica", "Falcon", "Llama-2", "Mistral", "GPT-2", "TinyLlama"):
        assert f'<th scope="row">{name}</th>' in section
    assert "base (pretrained), chat</span>" in section  # Llama-2's kinds


def test_each_coverage_the_page_states_is_the_stored_measured_figure(reader: Client) -> None:
    import html

    from braintrial.analysis.science.coverage import COVERAGES

    page = html.unescape(reader.get(URL).content.decode())
    for key in (
        "wilson",
        "bootstrap_items",
        "bootstrap_participants",
        "bootstrap_crossed",
        "mixed",
        "models",
        "gap",
        "families",
        "families_differ",
        "families_gap",
    ):
        assert COVERAGES[key].words() in page, key
