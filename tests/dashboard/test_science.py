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
    return [int(x) for x in re.findall(r'<th scope="row">(\d+) ', table)]


def test_page_shows_intervals_abilities_planning_and_items(reader: Client) -> None:
    response = reader.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Wilson (headline)" in page and "Crossed random-effects model" in page
    assert "n = 171 participants" in page
    assert page.count('<th scope="row">', page.index('id="abilities"')) >= 26
    assert re.search(r"<strong>\d+ participants</strong>", page)
    assert len(item_ids(page)) == 300


def test_items_sort_and_filter(reader: Client) -> None:
    page = reader.get(URL + "?sort=discrimination&order=desc&source=human").content.decode()
    ids = item_ids(page)
    assert ids and len(ids) == 200
    suspects = item_ids(reader.get(URL + "?suspect=on").content.decode())
    assert 5 <= len(suspects) < 300


def test_planning_answers_change_with_the_target(reader: Client) -> None:
    def participants(page: str) -> int:
        return int(re.search(r"<strong>(\d+) participants</strong>", page).group(1))

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


def test_the_study_page_draws_the_models_on_the_ability_scale(reader: Client) -> None:
    page = reader.get("/dashboard/brainbench-2024/").content.decode()
    assert "The models among the human experts" in page
    assert "n = 171 participants" in page


def test_another_teams_study_is_not_found(published: Any, django_user_model: Any) -> None:
    user = django_user_model.objects.create_user("stranger", password="x")
    client = Client()
    client.force_login(user)
    assert client.get(URL).status_code == 404
