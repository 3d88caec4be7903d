"""The three import commands on the real published data, as a user runs them."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from braintrial.brainbench.names import BANK, STUDY_SLUG
from braintrial.items.models import Item
from braintrial.participants.models import Participant, Trial
from braintrial.studies.models import Study
from scoring.models import ItemScore, Scorer

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def published_rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every row the three imports write, with the columns a rewrite would move."""
    return {
        "items": list(
            Item.objects.filter(bank=BANK)
            .order_by("pk")
            .values_list("pk", "updated_at", "abstract_id", "original", "altered", "defect")
        ),
        "study": list(Study.objects.filter(slug=STUDY_SLUG).values_list("pk", "updated_at")),
        "participants": list(
            Participant.objects.filter(study__slug=STUDY_SLUG)
            .order_by("pk")
            .values_list("pk", "updated_at", "recruitment_id")
        ),
        "trials": list(
            Trial.objects.filter(participant__study__slug=STUDY_SLUG)
            .order_by("pk")
            .values_list("pk", "item_id", "correct", "confidence", "expertise")
        ),
        "scorers": list(
            Scorer.objects.filter(is_published=True)
            .order_by("pk")
            .values_list("pk", "updated_at", "prompt_template")
        ),
        "scores": list(
            ItemScore.objects.filter(scorer__is_published=True)
            .order_by("pk")
            .values_list("pk", "ppl_original", "ppl_altered", "correct", "confidence")
        ),
    }


def test_the_three_imports_of_the_real_data_change_nothing_when_run_again(
    brainbench_dir: Path,
) -> None:
    run("import_brainbench", str(brainbench_dir))
    run("import_published_trials", str(brainbench_dir))
    run("import_published_scores", str(brainbench_dir / "published_model_scores.csv"))
    first = published_rows()
    assert [len(first[name]) for name in first] == [300, 1, 171, 1514, 26, 6800]

    again = [
        run("import_brainbench", str(brainbench_dir)),
        run("import_published_trials", str(brainbench_dir)),
        run("import_published_scores", str(brainbench_dir / "published_model_scores.csv")),
    ]
    assert published_rows() == first
    assert "Already up to date: nothing changed." in again[0]
    assert "Already up to date: nothing changed." in again[1]
    assert "171 participants already there" in again[1]
    assert again[2].startswith("Nothing changed: 26 published scorers and 6800 scores")


def test_import_brainbench_prints_counts_defects_and_nothing_changed_on_rerun(
    brainbench_dir: Path,
) -> None:
    first = run("import_brainbench", str(brainbench_dir))
    assert "BrainBench_Human_v0.1.csv (bank brainbench): 200 created" in first
    assert "BrainBench_GPT-4_v0.1.csv (bank brainbench): 100 created" in first
    assert "5 defective rows" in first
    second = run("import_brainbench", str(brainbench_dir))
    assert "0 created, 0 updated, 200 unchanged" in second
    assert "0 created, 0 updated, 100 unchanged" in second
    assert "nothing changed" in second


def test_import_brainbench_uses_the_configured_directory_by_default(
    brainbench_dir: Path,
) -> None:
    assert "200 created" in run("import_brainbench")


def test_import_brainbench_bad_directory_is_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such directory"):
        run("import_brainbench", str(tmp_path / "missing"))


def test_a_changed_published_template_rewrites_its_scorer_and_scores(
    brainbench_dir: Path, tmp_path: Path
) -> None:
    run("import_brainbench", str(brainbench_dir))
    scores = tmp_path / "published_model_scores.csv"
    rows = (brainbench_dir / "published_model_scores.csv").read_text().splitlines()
    scores.write_text("\n".join(line for line in rows if line.startswith(("model,", "gpt2,"))))
    (tmp_path / "prompt_templates").mkdir()
    (tmp_path / "prompt_templates" / "gpt2.txt").write_text("<choice abstract>")
    run("import_published_scores", str(scores))
    (tmp_path / "prompt_templates" / "gpt2.txt").write_text("Abstract: <choice abstract>")

    output = run("import_published_scores", str(scores))

    assert "1 published scorers (0 new, 1 updated): 0 scores created, 200 updated" in output
    scorer = Scorer.objects.get(name="gpt2")
    assert scorer.prompt_template == "Abstract: <choice abstract>"
    fingerprints = set(ItemScore.objects.filter(scorer=scorer).values_list("config_fingerprint"))
    assert fingerprints == {(scorer.config_fingerprint,)}
