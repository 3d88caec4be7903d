"""Study creation by a researcher: the study and its creator's place on it, both or neither."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from braintrial.studies.models import Study
from braintrial.studies.services import study_create_with_researcher
from tests.factories import user_make

pytestmark = pytest.mark.django_db


def test_creator_is_named_researcher_of_the_new_study() -> None:
    creator = user_make("creator")
    study = study_create_with_researcher(creator=creator, fields={"slug": "new", "title": "New"})
    assert list(study.researchers.all()) == [creator]


def test_refused_study_leaves_no_study_and_no_researcher_link() -> None:
    creator = user_make("creator")
    with pytest.raises(ValidationError) as error:
        study_create_with_researcher(
            creator=creator, fields={"slug": "new", "title": "New", "n_human_trials": 51}
        )
    assert "n_human_trials" in error.value.message_dict
    assert not Study.objects.exists()
    assert not Study.researchers.through.objects.exists()


def test_slug_taken_by_a_concurrent_create_is_a_slug_error_and_stores_nothing(monkeypatch):
    """The unique slug is checked again by the database when two creates race."""
    from django.db import IntegrityError

    from braintrial.studies import services

    def racing_create(**fields: object) -> Study:
        Study.objects.create(slug="new", title="Mine")
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(services, "study_create", racing_create)
    with pytest.raises(ValidationError) as error:
        study_create_with_researcher(creator=user_make("c"), fields={"slug": "new", "title": "N"})
    assert "exists already" in error.value.message_dict["slug"][0]
    assert not Study.objects.exists()
