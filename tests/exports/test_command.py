"""python manage.py export: the same files from a terminal."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import participant_make, study_make, trial_make

pytestmark = pytest.mark.django_db


def test_export_trials_to_a_file(tmp_path):
    made = study_make("alpha")
    study_make("beta")
    target = tmp_path / "trials.csv"
    call_command("export", "trials", "--study", "alpha", "-o", str(target))
    rows = list(csv.DictReader(target.open(newline="", encoding="utf-8")))
    assert len(rows) == len(made.trials)
    assert {row["study"] for row in rows} == {"alpha"}


def test_include_excluded_flag_adds_the_excluded_trials(tmp_path):
    made = study_make("alpha")
    flagged, _ = participant_make(made.study, 5, flag_no_slider=True)
    trial_make(flagged, made.items[0], 1)
    plain, everything = tmp_path / "plain.csv", tmp_path / "all.csv"
    call_command("export", "trials", "--study", "alpha", "-o", str(plain))
    call_command(
        "export", "trials", "--study", "alpha", "-o", str(everything), "--include-excluded"
    )
    n_plain = len(list(csv.DictReader(plain.open(newline=""))))
    n_all = len(list(csv.DictReader(everything.open(newline=""))))
    assert (n_plain, n_all) == (len(made.trials), len(made.trials) + 1)


def test_all_studies_to_stdout(capfdbinary):
    study_make("alpha")
    study_make("beta")
    call_command("export", "participants", "--all")
    out = capfdbinary.readouterr().out.decode("utf-8")
    studies = {row["study"] for row in csv.DictReader(io.StringIO(out, newline=""))}
    assert studies == {"alpha", "beta"}


def test_unknown_study_is_a_clear_error():
    with pytest.raises(CommandError, match="No study with slug 'nope'"):
        call_command("export", "items", "--study", "nope")


def test_unwritable_output_is_a_clear_error(tmp_path):
    study_make("alpha")
    with pytest.raises(CommandError, match="Cannot write"):
        call_command("export", "items", "--study", "alpha", "-o", str(tmp_path / "no" / "x.csv"))
