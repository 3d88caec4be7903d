"""A scorer's training-data cut-off (scoring.cutoffs): stated with its source, else the release
month with a source that says so, else none; the database refuses a cut-off without a source."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from scoring.cutoffs import scorer_cutoff
from scoring.models import Scorer

D = dt.date


def test_a_stated_cutoff_keeps_its_range_and_source():
    cutoff = scorer_cutoff(
        cutoff_first=D(2022, 9, 1),
        cutoff_last=D(2022, 9, 30),
        cutoff_source="the model card",
        released="2023-07",
    )
    assert cutoff is not None and cutoff.stated
    assert (cutoff.first, cutoff.last, cutoff.source) == (
        D(2022, 9, 1),
        D(2022, 9, 30),
        "the model card",
    )


def test_without_a_stated_cutoff_the_release_month_stands_in_and_says_so():
    cutoff = scorer_cutoff(
        cutoff_first=None, cutoff_last=None, cutoff_source="", released="2023-07"
    )
    assert cutoff is not None and not cutoff.stated
    assert (cutoff.first, cutoff.last) == (D(2023, 7, 1), D(2023, 7, 31))
    assert cutoff.source.startswith("not stated: the release month (2023-07)")


@pytest.mark.parametrize("released", ["", "2023", "July 2023"])
def test_without_either_there_is_no_cutoff(released):
    assert (
        scorer_cutoff(cutoff_first=None, cutoff_last=None, cutoff_source="", released=released)
        is None
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        {"cutoff_first": D(2022, 9, 1), "cutoff_last": D(2022, 9, 30), "cutoff_source": ""},
        {"cutoff_first": D(2022, 9, 30), "cutoff_last": D(2022, 9, 1), "cutoff_source": "card"},
        {"cutoff_first": D(2022, 9, 1), "cutoff_source": "card"},
    ],
)
def test_the_database_refuses_a_cutoff_without_source_or_order(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Scorer.objects.create(name="bad-cutoff", model_source="local/x", **fields)
