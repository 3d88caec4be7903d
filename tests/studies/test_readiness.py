"""Study readiness: one rule decides whether a study can admit participants, with the numbers,
and every way of saving a study (services, API, admin) refuses to open one that is not ready."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from braintrial.items.models import Item
from braintrial.participants.models import Participant
from braintrial.participants.services.assignment import trials_assign
from braintrial.studies.models import Study
from braintrial.studies.readiness import study_readiness
from braintrial.studies.services import study_create, study_update
from tests.factories import item_make, items_make, user_make
from tests.participants.conftest import ensure_builtin_items

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def builtin_items(db: object) -> None:
    ensure_builtin_items()


def _study(**fields: object) -> Study:
    return Study(slug="s", title="S", bank="eco", **fields)


def test_a_new_study_starts_closed() -> None:
    study = study_create(slug="fresh", title="Fresh", bank="empty-bank")
    assert study.is_open is False
    readiness = study_readiness(study=study)
    assert not readiness.ready and not readiness.can_open
    assert "The study is closed: its link admits no one." in readiness.reasons


def test_a_bank_too_small_is_not_ready_and_says_the_numbers() -> None:
    items_make(bank="eco", n=5)
    readiness = study_readiness(study=_study(is_open=True, n_human_trials=10, n_gpt4_trials=0))
    assert not readiness.ready
    assert [p.message for p in readiness.problems] == [
        "The bank 'eco' holds 5 human-written test cases; this asks for 10 per participant."
    ]
    assert readiness.problems[0].setting == "n_human_trials"


def test_a_bank_that_holds_enough_is_ready_once_open() -> None:
    items_make(bank="eco", n=10)
    study = _study(n_human_trials=10, n_gpt4_trials=0)
    assert study_readiness(study=study).can_open
    assert not study_readiness(study=study).ready  # closed
    study.is_open = True
    assert study_readiness(study=study).ready


def test_flagged_items_are_not_counted_where_the_study_skips_them() -> None:
    items = items_make(bank="eco", n=6)
    Item.objects.filter(pk__in=[items[0].pk, items[1].pk]).update(defect="Garbled abstract")
    skipping = _study(n_human_trials=6, n_gpt4_trials=0)
    (problem,) = study_readiness(study=skipping).problems
    assert problem.message == (
        "The bank 'eco' holds 4 human-written test cases that can be served (2 more flagged as "
        "defective are kept out); this asks for 6 per participant."
    )
    serving = _study(n_human_trials=6, n_gpt4_trials=0, skip_flagged_items=False)
    assert study_readiness(study=serving).can_open


def test_a_gpt4_case_and_its_human_case_are_one_paper() -> None:
    # items_make gives row n of both files the same DOI: 4 papers in all.
    items_make(bank="eco", n=4)
    items_make(bank="eco", n=3, source=Item.Source.GPT4)
    readiness = study_readiness(study=_study(n_human_trials=3, n_gpt4_trials=2))
    assert [p.message for p in readiness.problems] == [
        "A participant sees each paper once, and the bank's test cases come from 4 distinct "
        "papers; this asks for 5 per participant (3 human-written + 2 GPT-4-written)."
    ]


def test_catch_practice_and_consent_are_part_of_readiness() -> None:
    items_make(bank="eco", n=3)
    Item.objects.filter(kind__in=[Item.Kind.CATCH, Item.Kind.PRACTICE]).delete()
    study = _study(n_human_trials=3, n_gpt4_trials=0, consent_text="  ")
    settings = [p.setting for p in study_readiness(study=study).problems]
    assert settings == ["catch_trials_enabled", "practice_enabled", "consent_text"]
    message = study_readiness(study=study).problems[0].message
    assert (
        message == "Catch trials are on: each participant gets 2, and 0 catch items are available."
    )
    study.catch_trials_enabled = study.practice_enabled = False
    study.consent_text = "You may stop at any time."
    assert study_readiness(study=study).can_open


def test_opening_an_unready_study_is_refused_with_the_reasons() -> None:
    items_make(bank="eco", n=5)
    study = study_create(slug="eco", title="Eco", bank="eco", n_human_trials=5, n_gpt4_trials=0)
    editor = user_make("editor")
    with pytest.raises(ValidationError) as refused:
        study_update(study=study, editor=editor, fields={"is_open": True, "n_human_trials": 10})
    assert refused.value.message_dict["n_human_trials"][0].startswith(
        "The bank 'eco' holds 5 human-written test cases; this asks for 10 per participant."
    )
    study.refresh_from_db()
    assert (study.is_open, study.n_human_trials) == (False, 5)
    # Closed, the study may ask for more than the bank holds yet; it just stays unready.
    study_update(study=study, editor=editor, fields={"n_human_trials": 10})
    assert not study_readiness(study=study).can_open
    with pytest.raises(ValidationError):
        study_create(slug="eco2", title="Eco", bank="eco", n_human_trials=10, is_open=True)


def test_an_open_study_cannot_be_asked_for_more_than_its_bank_holds() -> None:
    """Issue 21: 10 human-written cases per participant on a bank of 5 was saved silently."""
    items_make(bank="eco", n=5)
    study = study_create(
        slug="eco", title="Eco", bank="eco", n_human_trials=5, n_gpt4_trials=0, is_open=True
    )
    with pytest.raises(ValidationError):
        study_update(study=study, editor=user_make("editor"), fields={"n_human_trials": 10})
    study.refresh_from_db()
    assert study.n_human_trials == 5


def test_flagged_items_are_never_assigned_where_the_study_skips_them() -> None:
    items = items_make(bank="eco", n=8)
    flagged = {items[0].pk, items[1].pk}
    Item.objects.filter(pk__in=flagged).update(defect="Garbled abstract")
    study = study_create(
        slug="eco", title="Eco", bank="eco", n_human_trials=6, n_gpt4_trials=0, is_open=True
    )
    served: set[int] = set()
    for n in range(6):
        participant = Participant.objects.create(study=study, recruitment_id=f"p{n}")
        trials = trials_assign(participant=participant, now=timezone.now())
        served |= {t.item_id for t in trials if t.kind == Item.Kind.TEST}
    assert served == {item.pk for item in items} - flagged


def test_a_bank_that_readiness_accepts_never_fails_the_assignment() -> None:
    """A GPT-4 case drawn first could take the only paper a human case needs: the least
    exposed GPT-4 case here is the one sharing its paper with the only human case."""
    human = item_make(bank="eco", row=1, doi="10.1/shared")
    shared = item_make(bank="eco", row=1, source=Item.Source.GPT4, doi="10.1/shared")
    item_make(bank="eco", row=2, source=Item.Source.GPT4, doi="10.1/own")
    study = study_create(
        slug="eco",
        title="Eco",
        bank="eco",
        n_human_trials=1,
        n_gpt4_trials=1,
        catch_trials_enabled=False,
        practice_enabled=False,
        is_open=True,
    )
    assert study_readiness(study=study).ready
    for n in range(12):  # the random tie-breaks pick the shared paper first about half the time
        participant = Participant.objects.create(study=study, recruitment_id=f"p{n}")
        trials = trials_assign(participant=participant, now=timezone.now())
        assert {t.item_id for t in trials} >= {human.pk}
        assert shared.pk not in {t.item_id for t in trials}
