"""The published trials go in through the importer and come out as a CSV that pandas reads back
into the paper's figure."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from django.core.management import call_command

from tests.factories import user_make

pytestmark = pytest.mark.django_db


def test_exported_published_trials_give_the_papers_human_accuracy(client, brainbench_dir):
    call_command("import_brainbench", str(brainbench_dir), verbosity=0)
    call_command("import_published_trials", str(brainbench_dir), verbosity=0)
    client.force_login(user_make("auditor", staff=True))

    response = client.get("/exports/brainbench-2024/trials.csv")
    assert response.status_code == 200
    exported = pd.read_csv(io.BytesIO(b"".join(response.streaming_content)))

    assert len(exported) == 1514
    human = exported[exported["journal_section"].str.startswith("human_")]
    assert (int(human["correct"].sum()), len(human)) == (641, 1011)
    assert round(human["correct"].mean(), 3) == 0.634
    machine = exported[exported["journal_section"].str.startswith("machine_")]
    assert round(machine["correct"].mean(), 3) == 0.698
    doctoral = human[human["current position"] == "Doctoral student"]
    assert round(doctoral["correct"].mean(), 3) == 0.583

    # Same codings as the published file, column for column where the meaning is the same.
    published = pd.read_csv(brainbench_dir / "participant_data.csv", index_col=0)
    assert list(exported.columns[:15]) == list(published.columns)
    for column in (
        "expertise",
        "confidence",
        "correct",
        "rt",
        "click_slider",
        "recognised",
        "age",
        "current position",
        "sex",
    ):
        assert sorted(exported[column].astype(str)) == sorted(published[column].astype(str)), column
    clicked = exported["click_outside"].fillna("")
    assert sorted(clicked) == sorted(published["click_outside"].fillna(""))
