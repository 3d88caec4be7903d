"""The published BrainBench study's human-written part as arrays, read from its CSV files
(no database): the design that simulations of the science figures reuse."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from django.conf import settings


@dataclass(frozen=True)
class Design:
    person: np.ndarray  # 0..n_people-1 per trial
    item: np.ndarray  # 0..199: the row of the human file, per trial
    correct: np.ndarray  # bool per trial
    expertise: np.ndarray  # 1..100 per trial
    models: np.ndarray  # 200 x scorers: the published models' choice right (bool)
    paper_llm: np.ndarray  # bool per scorer

    @property
    def n_people(self) -> int:
        return int(self.person.max()) + 1


@cache
def published_design() -> Design:
    folder = Path(settings.BRAINBENCH_DIR)
    person, item, correct, expertise = [], [], [], []
    with (folder / "participant_data.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["journal_section"].startswith("human_"):
                person.append(row["pid"])
                item.append(int(float(row["abstract_id"])) - 1)
                correct.append(row["correct"] == "1")
                expertise.append(float(row["expertise"]))
    _, people = np.unique(np.array(person), return_inverse=True)
    with (folder / "published_models.csv").open(newline="", encoding="utf-8") as f:
        paper = {row["model"]: row["paper_llm"] == "1" for row in csv.DictReader(f)}
    names = sorted(paper)
    models = np.zeros((200, len(names)), dtype=bool)
    with (folder / "published_model_scores.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["testcase_file"] == "BrainBench_Human_v0.1.csv":
                right = float(row["ppl_original"]) < float(row["ppl_altered"])
                models[int(row["row"]) - 1, names.index(row["model"])] = right
    return Design(
        person=people,
        item=np.array(item),
        correct=np.array(correct),
        expertise=np.array(expertise),
        models=models,
        paper_llm=np.array([paper[n] for n in names]),
    )
