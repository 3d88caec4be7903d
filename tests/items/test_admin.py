"""The item admin: filters, doi search, and the diff shown read-only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from braintrial.items.builtin import BUILTIN_BANK
from braintrial.items.models import Item

pytestmark = pytest.mark.django_db


def test_changelist_filters_by_bank_kind_source_and_section(admin_client: Client) -> None:
    url = reverse("admin:items_item_changelist")
    response = admin_client.get(url, {"bank": BUILTIN_BANK, "kind__exact": "catch"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 2
    filters = [spec.title for spec in response.context["cl"].filter_specs]
    assert filters == ["bank", "kind", "source", "journal section", "retirement"]


def test_search_by_doi(admin_client: Client) -> None:
    Item.objects.create(
        bank="eco", source_file="f.csv", row=1, doi="10.1/findme", original="a b", altered="a c"
    )
    response = admin_client.get(reverse("admin:items_item_changelist"), {"q": "findme"})
    assert response.context["cl"].result_count == 1


def test_change_page_shows_differences_read_only(admin_client: Client) -> None:
    item = Item.objects.get(bank=BUILTIN_BANK, row=1)
    response = admin_client.get(reverse("admin:items_item_change", args=[item.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<td>positively</td><td>negatively</td>" in html
    assert 'name="differences"' not in html
