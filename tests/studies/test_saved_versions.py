"""The participant pages' copy of a study (studies.selectors.study_at_version): one read per
saved version and process, and a saved change is seen by the very next request."""

from __future__ import annotations

import pytest

from braintrial.participants.selectors import participant_get_by_study_token
from braintrial.studies.models import Study
from braintrial.studies.selectors import study_at_version
from tests.factories import study_make

pytestmark = pytest.mark.django_db


def test_a_version_is_read_once_and_each_caller_gets_its_own_instance(
    django_assert_num_queries,
) -> None:
    study = study_make("copies", n_people=0, scored=False).study
    first = study_at_version(pk=study.pk, updated_at=study.updated_at)
    with django_assert_num_queries(0):
        second = study_at_version(pk=study.pk, updated_at=study.updated_at)
    assert second is not first
    fields = [f.attname for f in Study._meta.concrete_fields]
    assert [getattr(second, f) for f in fields] == [getattr(study, f) for f in fields]
    second.title = "changed in one request only"
    assert study_at_version(pk=study.pk, updated_at=study.updated_at).title == study.title


def test_the_participant_sees_the_study_as_last_saved(django_assert_num_queries) -> None:
    made = study_make("saved", n_people=1, scored=False)
    participant = made.participants[0]
    token = made.tokens[participant.pk]
    assert participant_get_by_study_token(slug="saved", token=token).study.is_open is False
    with django_assert_num_queries(1):  # the participant and its study's version
        participant_get_by_study_token(slug="saved", token=token)

    study = Study.objects.get(pk=made.study.pk)
    study.is_open, study.language, study.min_rt_ms = True, "de", 1234
    study.save()
    seen = participant_get_by_study_token(slug="saved", token=token).study
    assert (seen.is_open, seen.language, seen.min_rt_ms) == (True, "de", 1234)
