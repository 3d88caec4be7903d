"""Starting a run: one service (scoring.services.start.score_run_start) holds the rule that
scoring the whole item bank (no study) is staff-only, for every entrance."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from braintrial.studies.models import Study
from scoring.models import ScoreRun
from scoring.services import SERVER_OPERATOR, score_run_start, scorer_create
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
