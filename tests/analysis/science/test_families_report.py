"""Model families in the study report: read from the scorers (a chat model without a family
inherits its base model's), and a fit that fails on the data costs only its own figure."""

from __future__ import annotations

import numpy as np
import pytest

from braintrial.analysis.selectors import study_report
from scoring.models import Scorer

from ..conftest import Lab

pytestmark = pytest.mark.django_db

N_ITEMS = 8


def _study(lab: Lab) -> None:
    items = [lab.item() for _ in range(N_ITEMS)]
    rng = np.random.default_rng(3)
    for _ in range(6):
        lab.participant([(item, bool(rng.random() < 0.6)) for item in items])
    # (name, family, base model, kind, items right)
    for name, family, base, kind, right in (
        ("alpha", "Alpha", "", "base", 7),
        ("alpha-chat", "", "hub/alpha", "chat", 6),
        ("beta", "Beta", "", "base", 4),
        ("beta-big", "Beta", "", "base", 5),
    ):
        ppl = {item: (1.0, 2.0) if j < right else (2.0, 1.0) for j, item in enumerate(items)}
        scorer = lab.scorer(name, ppl)
        Scorer.objects.filter(pk=scorer.pk).update(
            family=family, base_model=base, kind=kind, model_source=f"hub/{name}"
        )


def test_families_are_read_from_the_scorers_with_the_base_models_family_inherited(
    lab: Lab,
) -> None:
    _study(lab)
    report = study_report(study=lab.study)
    families = report["science"]["intervals"]["human"]["pools"]["all"]["families"]
    assert families["fitted"] and families["n_families"] == 2
    by_name = {f["name"]: f for f in families["families"]}
    assert by_name["Alpha"]["scorers"] == ["Alpha", "Alpha-Chat"]
    assert by_name["Alpha"]["kinds"] == ["base (pretrained)", "chat"]
    assert by_name["Alpha"]["raw_accuracy"] == pytest.approx(13 / 16)
    assert by_name["Beta"]["raw_accuracy"] == pytest.approx(9 / 16)
    # Two families: the answers cannot tell how much families differ.
    assert not families["identified"] and families["sd_between"]["low"] == 0.0
    assert families["in_words"].startswith("these answers cannot tell whether the 2 model")


def test_a_families_fit_that_fails_costs_only_its_own_figure(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    from braintrial.analysis.science import report as science

    def singular(*args: object, **kwargs: object) -> None:
        raise np.linalg.LinAlgError("Singular matrix")

    monkeypatch.setattr(science, "families_fit", singular)
    _study(lab)
    report = study_report(study=lab.study)
    pool = report["science"]["intervals"]["human"]["pools"]["all"]
    assert not pool["families"]["fitted"]
    assert "no unique solution" in pool["families"]["note"]
    status = report["analyses"]["science.families.human.all"]
    assert not status["ok"] and status["reason"] == pool["families"]["note"]
    assert report["analyses"]["science"]["ok"]
    assert pool["raw_accuracy"] == pytest.approx(22 / 32)  # the rest is shown


def test_models_of_one_family_say_there_is_nothing_to_compare(lab: Lab) -> None:
    _study(lab)
    Scorer.objects.update(family="Alpha")
    report = study_report(study=lab.study)
    families = report["science"]["intervals"]["human"]["pools"]["all"]["families"]
    assert not families["fitted"] and "one family only" in families["note"]
    assert "science.families.human.all" not in report["analyses"]
