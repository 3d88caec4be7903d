"""Publication dates: read as the range of days they may mean (items.dates), from an item
file's published column or the year a Journal of Neuroscience DOI names."""

from __future__ import annotations

import datetime as dt

import pytest

from braintrial.brainbench.dois import doi_publication_date
from braintrial.items.dates import (
    DateError,
    date_range_parse,
    month_range,
    published_after,
    published_before,
)
from braintrial.items.models import Item
from braintrial.items.services.importing import items_import_content
from braintrial.items.services.parsing import ItemImportError
from tests.items.test_import_csv import GOOD, GOOD_2, HEADER, csv_bytes

D = dt.date


@pytest.mark.parametrize(
    "text,first,last,precision",
    [
        ("2023-03-14", D(2023, 3, 14), D(2023, 3, 14), "day"),
        ("2023-02", D(2023, 2, 1), D(2023, 2, 28), "month"),
        ("2024-02", D(2024, 2, 1), D(2024, 2, 29), "month"),
        (" 2022 ", D(2022, 1, 1), D(2022, 12, 31), "year"),
        ("2022-11 to 2023-02", D(2022, 11, 1), D(2023, 2, 28), "range"),
        ("2022-11-03/2022-11-20", D(2022, 11, 3), D(2022, 11, 20), "range"),
    ],
)
def test_a_date_is_the_range_of_days_it_may_mean(text, first, last, precision):
    date = date_range_parse(text)
    assert (date.first, date.last, date.precision) == (first, last, precision)


@pytest.mark.parametrize(
    "text", ["2023-13", "2023-02-30", "23-01", "March 2023", "2023-05 to 2023-01", "1700", ""]
)
def test_a_date_that_is_not_one_is_refused_with_a_reason(text):
    with pytest.raises(DateError):
        date_range_parse(text)


def test_after_and_before_need_every_day_of_the_range():
    year = date_range_parse("2022")
    assert published_after(first=year.first, cutoff=D(2021, 12, 31))
    assert not published_after(first=year.first, cutoff=D(2022, 6, 30))
    assert published_before(last=year.last, cutoff=D(2022, 12, 31))
    assert not published_before(last=year.last, cutoff=D(2022, 12, 30))
    assert month_range("2023-07") == (D(2023, 7, 1), D(2023, 7, 31))
    with pytest.raises(DateError):
        month_range("2023")


@pytest.mark.parametrize(
    "doi,year",
    [
        ("10.1523/JNEUROSCI.2043-22.2023", 2023),
        ("https://doi.org/10.1523/JNEUROSCI.0726-23.2023", 2023),
        ("doi:10.1523/jneurosci.1234-21.2022", 2022),
    ],
)
def test_a_journal_of_neuroscience_doi_names_its_year(doi, year):
    dated = doi_publication_date(doi)
    assert dated is not None
    assert (dated.date.first, dated.date.last) == (D(year, 1, 1), D(year, 12, 31))
    assert dated.source.startswith("the year the Journal of Neuroscience DOI names (10.1523/")


@pytest.mark.parametrize(
    "doi", ["10.1038/s41562-024-02046-9", "10.1523/ENEURO.0123-22.2023", "10.1523/JNEUROSCI.x"]
)
def test_other_dois_give_no_date(doi):
    assert doi_publication_date(doi) is None


@pytest.mark.django_db
def test_an_item_file_gives_exact_dates_and_ranges_and_says_where_they_come_from():
    content = csv_bytes(
        [[*GOOD, "2023-03-14"], [*GOOD_2, "2022-11 to 2023-02"]],
        header=[*HEADER, "published"],
    )
    items_import_content(content=content, name="dated.csv", bank="dated", source="human")
    one, two = Item.objects.filter(bank="dated").order_by("row")
    assert (one.published_first, one.published_last, one.published_precision) == (
        D(2023, 3, 14),
        D(2023, 3, 14),
        "day",
    )
    assert (two.published_first, two.published_last, two.published_precision) == (
        D(2022, 11, 1),
        D(2023, 2, 28),
        "range",
    )
    assert one.published_source == "the published column of dated.csv"


@pytest.mark.django_db
def test_an_item_file_without_dates_stores_none():
    items_import_content(content=csv_bytes([GOOD]), name="plain.csv", bank="plain", source="human")
    item = Item.objects.get(bank="plain")
    assert item.published_first is None and item.published_source == ""


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["2023-02-30", "soon", "2024 to 2023"])
def test_a_bad_date_in_a_file_names_its_row_and_stores_nothing(bad):
    content = csv_bytes([[*GOOD, "2023"], [*GOOD_2, bad]], header=[*HEADER, "published"])
    with pytest.raises(ItemImportError, match=r"bad\.csv, row 2: published"):
        items_import_content(content=content, name="bad.csv", bank="bad", source="human")
    assert not Item.objects.filter(bank="bad").exists()
