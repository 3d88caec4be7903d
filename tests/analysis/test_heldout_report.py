"""The report's public and held-out items side by side (analysis.heldout): trials and scores
on held-out items count, on their side."""

from __future__ import annotations

import pytest

from braintrial.analysis.selectors import study_report
from braintrial.items.models import Item
from braintrial.studies.heldout import study_held_out_ids
from braintrial.studies.models import Study
from scoring.models import Scorer
from tests.factories import item_make, participant_make, scores_make, study_make, trial_make

pytestmark = pytest.mark.django_db


def test_report_sets_public_and_held_out_items_side_by_side():
    made = study_make("split", n_people=0, held_out_share=0.5)
    extra = [
        item_make(bank=made.study.bank, row=100 + i, source_file="extra.csv") for i in range(30)
    ]
    scores_make(
        scorer=Scorer.objects.get(name="factory-model"),
        ppl={item: (10.0, 12.0) if n % 3 else (12.0, 10.0) for n, item in enumerate(extra)},
    )
    study = Study.objects.get(pk=made.study.pk)
    held = study_held_out_ids(study=study)
    items = list(Item.objects.filter(bank=study.bank))
    assert 0 < len(held) < len(items)
    # Every item answered once, right on held-out items and wrong on the public ones.
    for n, item in enumerate(items):
        person, _ = participant_make(study, n)
        trial_make(person, item, 1, correct=item.pk in held)
    report = study_report(study=study, science=False)
    split = report["held_out"]
    assert report["analyses"]["held_out"]["ok"]
    assert split["share"] == 0.5 and split["n_items"] == len(items)
    assert split["held_out"]["n_items"] == len(held)
    assert split["public"]["n_items"] == len(items) - len(held)
    humans_held, humans_public = split["held_out"]["humans"], split["public"]["humans"]
    assert (humans_held["k"], humans_held["n"]) == (len(held), len(held))
    assert (humans_public["k"], humans_public["n"]) == (0, len(items) - len(held))
    interval = split["held_out"]["humans_interval"]
    assert interval is not None and interval["low"] <= interval["estimate"] <= interval["high"]
    model_held = split["held_out"]["models"]["factory-model"]
    model_public = split["public"]["models"]["factory-model"]
    assert model_held["n"] + model_public["n"] == len(items)
    assert model_held["n"] == len(held)


def test_a_study_holding_nothing_out_says_so():
    made = study_make("open-bank")
    split = study_report(study=made.study, science=False)["held_out"]
    assert split["held_out"]["n_items"] == 0
    assert split["public"]["n_items"] == split["n_items"] == 4  # the items answered
    assert "holds no items out" in split["note"]


def test_report_command_prints_both_comparisons():
    import io

    from django.core.management import call_command

    made = study_make("printed", held_out_share=0.5)
    out = io.StringIO()
    call_command("report", "--study", made.study.slug, stdout=out)
    text = out.getvalue()
    assert "== Training-data cut-offs (0 of 4 items dated) ==" in text
    assert "no cut-off known" in text  # the factory's scorer has no release month
    assert "== Public and held-out items (share 0.5:" in text
