"""Starting a run: one service (scoring.services.start.score_run_start) holds the rule that
scoring the whole item bank (no study) is staff-only, for every entrance."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from braintrial.studies.models import Study
from scoring.models import ScoreRun
from scoring.services.scorers import scorer_create
from scoring.services.start import SERVER_OPERATOR, score_run_start
from tests.factories import user_make
from tests.scoring.helpers import items_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def scorer(fake_engine):
    items_make(3, bank="bank-s")
    items_make(2, bank="bank-other")
    return scorer_create(name="fake", model_source="fake/model")


@pytest.mark.parametrize("who", ["researcher", "anonymous"])
def test_whole_bank_run_is_refused_to_non_staff(scorer, who) -> None:
    user = user_make("plain") if who == "researcher" else AnonymousUser()
    with pytest.raises(PermissionDenied, match="Only staff"):
        score_run_start(user=user, scorer=scorer, enqueue=False)
    assert not ScoreRun.objects.exists()


def test_non_staff_may_score_a_study(scorer) -> None:
    study = Study.objects.create(slug="s", title="S", bank="bank-s")
    run = score_run_start(user=user_make("plain"), scorer=scorer, study=study, enqueue=False)
    assert (run.study, run.n_total) == (study, 3)


@pytest.mark.parametrize("who", ["staff", "server operator"])
def test_staff_and_the_server_operator_may_score_the_whole_bank(scorer, who) -> None:
    user = user_make("boss", staff=True) if who == "staff" else SERVER_OPERATOR
    run = score_run_start(user=user, scorer=scorer, limit=4, enqueue=False)
    assert (run.study, run.n_total) == (None, 4)


def test_a_whole_bank_run_covers_only_the_banks_its_starter_may_read(scorer) -> None:
    """Issue 20: a staff account with no other permission started a whole-bank run that put
    another team's private bank through the model."""
    from braintrial.items.models import ItemBank

    ItemBank.objects.get_or_create(name="bank-other")  # someone else's, private
    staff = user_make("plain-staff")
    staff.is_staff = True
    staff.save()
    ItemBank.objects.get_or_create(name="bank-s")[0].owners.add(staff)
    run = score_run_start(user=staff, scorer=scorer, enqueue=False)
    assert set(run.items.values_list("bank", flat=True)) == {"bank-s"}
    assert run.n_total == 3


def test_the_server_operator_covers_every_bank(scorer) -> None:
    run = score_run_start(user=SERVER_OPERATOR, scorer=scorer, enqueue=False)
    assert set(run.items.values_list("bank", flat=True)) == {"bank-s", "bank-other"}
