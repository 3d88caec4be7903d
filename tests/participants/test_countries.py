"""The country list against the published participant data it is meant to line up with."""

from __future__ import annotations

import csv
from pathlib import Path

from braintrial.participants.countries import COUNTRIES, COUNTRY_LABELS
from braintrial.participants.forms import DemographicsForm


def published_countries(folder: Path) -> set[str]:
    with (folder / "participant_data.csv").open(encoding="utf-8", newline="") as handle:
        return {row["country"] for row in csv.DictReader(handle)}


def test_every_published_spelling_is_offered(brainbench_dir: Path) -> None:
    published = published_countries(brainbench_dir)
    assert len(published) >= 20  # the data was read, not an empty file
    assert sorted(published - set(COUNTRIES)) == []


def test_the_demographics_form_stores_the_published_spelling(brainbench_dir: Path) -> None:
    offered = dict(DemographicsForm().fields["country"].choices)
    for country in published_countries(brainbench_dir):
        assert country in offered
    assert offered["Ireland {Republic}"] == "Ireland"


def test_each_country_is_listed_once_and_every_label_belongs_to_one() -> None:
    assert len(COUNTRIES) == len(set(COUNTRIES))
    assert set(COUNTRY_LABELS) <= set(COUNTRIES)
    assert COUNTRIES[-2:] == ("Other", "Prefer Not to Answer")
