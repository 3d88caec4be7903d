"""Cells are safe to open in a spreadsheet and read back exactly by csv and pandas."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from braintrial.brainbench.trial_rows import COLUMNS as PUBLISHED_COLUMNS
from braintrial.exports.rows import EXPORT_KINDS
from braintrial.exports.writers import csv_text
from braintrial.studies.models import Study
from scoring.models import ItemScore, Scorer
from tests.factories import participant_make, study_make, trial_make

pytestmark = pytest.mark.django_db

NASTY = {
    '=HYPERLINK("http://x")': '\'=HYPERLINK("http://x")',
    "+41 cmd": "'+41 cmd",
    "-2+3": "'-2+3",
    "@SUM(A1)": "'@SUM(A1)",
    "\tTab": "'\tTab",
    "\rCR": "'\rCR",
    'He said "yes", then left': 'He said "yes", then left',
    "two\nlines": "two\nlines",
    "crlf\r\ninside": "crlf\r\ninside",
    "Zürich \u2013 東京 🧠": "Zürich \u2013 東京 🧠",
    "a, b; c": "a, b; c",
}


def participants_rows() -> list[dict[str, str]]:
    text = csv_text(
        kind=EXPORT_KINDS["participants"],
        studies=Study.objects.all(),
        include_excluded=True,
    )
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.fixture
def nasty_study():
    made = study_make("nasty", n_people=0)
    for n, value in enumerate(NASTY):
        participant, _ = participant_make(made.study, n, country=value, feedback=value)
        trial_make(participant, made.items[0], 1)
    scorer = Scorer.objects.create(name="=cmd", model_source="@evil", prompt_template="")
    for item, value in zip(made.items, [1e-05, 123456789.125, 0.1, 2.0, 1 / 3, 7e22], strict=True):
        ItemScore.objects.create(
            scorer=scorer,
            item=item,
            ppl_original=value,
            ppl_altered=value * 2,
            nll_mean_original=-value,
            correct=False,
            confidence=value,
        )
    return made


def test_formula_cells_get_a_quote_and_other_text_round_trips_through_csv(nasty_study):
    rows = participants_rows()
    assert [row["country"] for row in rows] == list(NASTY.values())
    assert [row["feedback"] for row in rows] == list(NASTY.values())


def test_pandas_reads_back_unicode_quotes_and_newlines(nasty_study):
    text = csv_text(kind=EXPORT_KINDS["participants"], studies=Study.objects.all())
    frame = pd.read_csv(io.BytesIO(text.encode("utf-8")), encoding="utf-8", keep_default_na=False)
    assert list(frame["feedback"]) == list(NASTY.values())
    assert frame["age"].dtype.kind == "i"


def test_negative_numbers_stay_numeric(nasty_study):
    item = nasty_study.items[0]
    scorer = Scorer.objects.create(name="aaa-negative", is_published=True)
    ItemScore.objects.create(
        scorer=scorer,
        item=item,
        nll_sum_original=-1.5,
        nll_sum_altered=-2.25,
        ppl_original=1.25,
        ppl_altered=2.5,
        correct=True,
        confidence=1.25,
    )
    text = csv_text(kind=EXPORT_KINDS["scores"], studies=Study.objects.all())
    rows = csv.DictReader(io.StringIO(text, newline=""))
    row = next(row for row in rows if row["scorer"] == "aaa-negative")
    assert row["nll_sum_original"] == "-1.5"
    assert row["nll_sum_altered"] == "-2.25"
    frame = pd.read_csv(io.StringIO(text))
    assert frame["nll_sum_original"].dtype.kind == "f"
    assert frame.loc[frame["scorer"] == "aaa-negative", "nll_sum_original"].item() == -1.5


def test_header_has_no_comment_and_published_columns_come_first(nasty_study):
    text = csv_text(kind=EXPORT_KINDS["trials"], studies=Study.objects.all())
    header = next(csv.reader(io.StringIO(text)))
    # The published participant_data.csv columns, as the importer of published trials reads them.
    assert tuple(header[:15]) == PUBLISHED_COLUMNS
    assert not text.startswith("#")


def test_timestamps_are_iso_utc_whatever_the_servers_date_style(nasty_study):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET DateStyle = 'SQL, DMY'")
    text = csv_text(kind=EXPORT_KINDS["trials"], studies=Study.objects.all())
    row = next(csv.DictReader(io.StringIO(text, newline="")))
    assert row["shown_at"] == "2026-05-01T09:01:00Z"
    assert row["answered_at"] == "2026-05-01T09:01:30Z"
