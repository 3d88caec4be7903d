"""Two researchers freezing a release of one study at the same moment get v1 and v2, never
one number twice (the study row is locked for the numbering; the database holds one release
per study and number)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from braintrial.public.models import Release
from braintrial.public.releases.services import release_freeze
from tests.public.conftest import Public

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_freezes_at_once_get_two_numbers(public: Public) -> None:
    barrier = threading.Barrier(2)
    numbers: list[int] = []
    errors: list[BaseException] = []

    def freeze() -> None:
        try:
            barrier.wait()
            numbers.append(release_freeze(study=public.study, user=public.researcher).number)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=freeze) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(numbers) == [1, 2]
    stored = Release.objects.filter(study=public.study).values_list("number", flat=True)
    assert list(stored) == [1, 2]
