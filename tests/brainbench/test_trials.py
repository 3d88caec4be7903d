"""import_published_trials on small files: what is stored, idempotence, row errors."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from braintrial.brainbench.names import BANK, STUDY_SLUG
from braintrial.items.models import Item
from braintrial.participants.models import Participant, Trial
from braintrial.studies.models import Study

HEADER = (
    ",pid,expertise,confidence,click_outside,correct,rt,abstract_id,journal_section,click_slider,"
    "recognised,age,country,current position,experience,sex"
)
ROWS = [
    "0,11.0,40,60,,1,30000,1.0,human_Systems/Circuits,1,0,30,Germany,Doctoral student,4,Female",
    "1,11.0,45,70,clicked,0,40000,2.0,human_Cellular/Molecular,1,0,30,Germany,Doctoral student,"
    "4,Female",
    "2,11.0,50,80,,1,50000,1.0,machine_Systems/Circuits,1,0,30,Germany,Doctoral student,4,Female",
    "3,12.0,1,50,,0,3000,2.0,human_Cellular/Molecular,0,1,51,France,__other,20.5,Male",
]
# The third column holds ';' and line breaks, as in the published file.
IDS = (
    "DOI;abstract_id;abstract\n"
    "https://doi.org/10.1523/TEST.1;1;first An abstract; with a semicolon\n"
    "and a second line\n"
    "https://doi.org/10.1523/TEST.2;2;first Another\n"
)


def write(directory: Path, rows: list[str] = ROWS, header: str = HEADER) -> Path:
    (directory / "participant_data.csv").write_text("\n".join([header, *rows]) + "\n")
    (directory / "abstract_id_doi.csv").write_text(IDS)
    return directory


def make_item(abstract_id: int, source: str, section: str) -> Item:
    return Item.objects.create(
        bank=BANK,
        source=source,
        source_file=f"{source}.csv",
        row=abstract_id,
        abstract_id=abstract_id,
        doi=f"https://doi.org/10.1523/TEST.{abstract_id}",
        journal_section=section,
        original=f"original {source} {abstract_id}",
        altered=f"altered {source} {abstract_id}",
    )


@pytest.fixture
def items(db: None) -> dict[str, Item]:
    return {
        "1h": make_item(1, Item.Source.HUMAN, "Systems/Circuits"),
        "1g": make_item(1, Item.Source.GPT4, "Systems/Circuits"),
        "2h": make_item(2, Item.Source.HUMAN, "Cellular/Molecular"),
    }


def run(directory: Path) -> str:
    out = io.StringIO()
    call_command("import_published_trials", str(directory), stdout=out)
    return out.getvalue()


def test_import_stores_participants_and_trials_as_published(
    items: dict[str, Item], tmp_path: Path
) -> None:
    output = run(write(tmp_path))
    assert "2 participants and 4 trials imported" in output
    study = Study.objects.get(slug=STUDY_SLUG)
    assert not study.is_open and study.title.startswith("BrainBench 2024")
    assert not study.skip_flagged_items  # the reproduction serves every published item
    first, second = Participant.objects.filter(study=study).order_by("recruitment_id")
    assert (first.recruitment_id, first.recruitment_source) == ("11", "imported")
    assert (first.gender, first.age, first.country) == ("Female", 30, "Germany")
    assert (first.position, first.experience_years) == ("Doctoral student", Decimal("4.0"))
    assert (second.position, second.experience_years) == ("__other", Decimal("20.5"))
    assert first.status == Participant.Status.COMPLETED
    assert not first.flag_no_slider and second.flag_no_slider

    trials = list(Trial.objects.filter(participant=first).order_by("position"))
    assert [(t.position, t.item_id) for t in trials] == [
        (1, items["1h"].pk),
        (2, items["2h"].pk),
        (3, items["1g"].pk),
    ]
    middle = trials[1]
    assert (middle.correct, middle.confidence, middle.expertise) == (False, 70, 45)
    assert (middle.rt_server_ms, middle.rt_client_ms, middle.blur_count) == (40000, None, 1)
    assert (middle.confidence_moved, middle.expertise_moved) == (True, True)
    assert (middle.original_is_a, middle.choice, middle.kind) == (None, "", "test")
    fast = Trial.objects.get(participant=second)
    assert fast.flag_fast and fast.flag_recognised and fast.recognised
    assert fast.confidence_moved is False


def test_second_import_changes_nothing_and_says_so(items: dict[str, Item], tmp_path: Path) -> None:
    run(write(tmp_path))
    ids = sorted(Trial.objects.values_list("pk", flat=True))
    output = run(tmp_path)
    assert "Already up to date" in output
    assert "2 participants already there" in output
    assert sorted(Trial.objects.values_list("pk", flat=True)) == ids


def test_new_participants_are_added_to_an_earlier_import(
    items: dict[str, Item], tmp_path: Path
) -> None:
    run(write(tmp_path, ROWS[:3]))
    output = run(write(tmp_path))
    assert "1 participants and 1 trials imported; 1 participants already there" in output
    assert Participant.objects.filter(study__slug=STUDY_SLUG).count() == 2


def test_a_participant_stored_with_other_data_stops_the_import(
    items: dict[str, Item], tmp_path: Path
) -> None:
    run(write(tmp_path, ROWS[:3]))
    changed = [ROWS[0].replace(",1,30000,", ",0,30000,"), *ROWS[1:]]
    with pytest.raises(CommandError, match="pid 11 is already in brainbench-2024"):
        run(write(tmp_path, changed))
    assert Participant.objects.filter(recruitment_id="12").count() == 0


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (",70,clicked,", ",seventy,clicked,", "confidence 'seventy' is not a number"),
        (",70,clicked,", ",101,clicked,", "confidence 101 is outside 1..100"),
        ("11.0,45,70", "11.0,0,70", "expertise 0 is outside 1..100"),
        (",2.0,human_", ",99.0,human_", "unknown abstract_id 99"),
        ("human_Cellular", "robot_Cellular", "unknown journal_section 'robot_Cellular"),
        (",40000,", ",-5,", "rt -5 is outside"),
        (",clicked,", ",maybe,", "click_outside 'maybe'"),
        (",Doctoral student,4,Female", ",Doctoral student,4,Robot", "sex 'Robot'"),
        ("1,0,30,Germany", "2,0,30,Germany", "click_slider 2 is outside 0..1"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_stored(
    items: dict[str, Item], tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in ROWS[1]
    rows = [ROWS[0], ROWS[1].replace(old, new, 1), *ROWS[2:]]
    with pytest.raises(CommandError) as error:
        run(write(tmp_path, rows))
    assert "data row 2" in str(error.value)
    assert message in str(error.value)
    assert "Nothing was imported" in str(error.value)
    assert not Study.objects.filter(slug=STUDY_SLUG).exists()
    assert not Trial.objects.exists()


def test_demographics_must_agree_across_a_participants_rows(
    items: dict[str, Item], tmp_path: Path
) -> None:
    rows = [ROWS[0], ROWS[1].replace(",30,Germany,", ",31,Germany,"), *ROWS[2:]]
    with pytest.raises(CommandError, match=r"data row 2.*demographics that differ"):
        run(write(tmp_path, rows))


def test_the_same_item_twice_for_one_participant_is_refused(
    items: dict[str, Item], tmp_path: Path
) -> None:
    rows = [*ROWS, ROWS[0].replace("0,11.0", "4,11.0", 1)]
    with pytest.raises(CommandError, match=r"data row 5.*answered this item already"):
        run(write(tmp_path, rows))


def test_missing_columns_are_named(items: dict[str, Item], tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"missing column.*recognised"):
        run(write(tmp_path, header=HEADER.replace("recognised", "seen")))


def test_without_items_the_import_says_to_import_them_first(db: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="import_brainbench"):
        run(write(tmp_path))


def test_a_missing_file_is_named(items: dict[str, Item], tmp_path: Path) -> None:
    (tmp_path / "abstract_id_doi.csv").write_text(IDS)
    with pytest.raises(CommandError, match=r"participant_data\.csv: no such file"):
        run(tmp_path)
