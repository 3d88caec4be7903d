"""Balanced assignment: concurrent starts keep exposures within 1; abandonment releases them."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from braintrial.items.models import Item
from braintrial.participants.models import Participant, Trial
from braintrial.participants.selectors import exposure_counts, exposure_counts_from_trials
from braintrial.studies.models import Study
from braintrial.studies.services import study_create
from tests.participants.conftest import (
    BANK,
    ensure_builtin_items,
    flow_url,
    make_bank,
    start,
    walk_to_practice,
)

N_PARTICIPANTS = 100


def _free_connection_slots() -> int:
    """Connections the server can still open, keeping a margin for the test's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_connections')::int, count(*) FROM pg_stat_activity"
        )
        limit, used = cursor.fetchone()
    return max(8, min(N_PARTICIPANTS, limit - used - 5))


def _spread(study: Study) -> dict[str, int]:
    counts = exposure_counts(study=study)
    sources = dict(Item.objects.filter(pk__in=counts).values_list("pk", "source"))
    spread = {}
    for source in (Item.Source.HUMAN, Item.Source.GPT4):
        values = [n for pk, n in counts.items() if sources[pk] == source]
        spread[source] = max(values) - min(values)
    return spread


@pytest.mark.django_db(transaction=True)
def test_concurrent_starts_keep_exposures_within_one_per_source() -> None:
    ensure_builtin_items()
    make_bank()
    study = study_create(slug="rush", title="Rush", bank=BANK, is_open=True)
    clients = []
    for _ in range(N_PARTICIPANTS):
        client = Client()
        assert start(client, study).status_code == 302
        clients.append(client)
    # All 100 consents (where assignment happens) are released at the same moment; the
    # semaphore only keeps the number of open connections under the server's limit.
    barrier = threading.Barrier(N_PARTICIPANTS)
    slots = threading.Semaphore(_free_connection_slots())
    errors: list[BaseException] = []

    def participant_run(client: Client) -> None:
        try:
            barrier.wait(timeout=60)
            with slots:
                try:
                    response = client.post(flow_url(study), {"step": "consent", "consent": "agree"})
                finally:
                    connection.close()
            assert response.status_code == 302, response.status_code
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=participant_run, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not errors, errors[:3]
    assert Participant.objects.filter(status=Participant.Status.ACTIVE).count() == N_PARTICIPANTS
    # 100 x 6 over 20 human items and 100 x 3 over 10 GPT-4 items: exactly 30 each.
    assert _spread(study) == {"human": 0, "gpt4": 0}
    assert exposure_counts(study=study) == exposure_counts_from_trials(study=study)
    per_participant = Counter(
        Trial.objects.filter(kind=Item.Kind.TEST).values_list("participant_id", flat=True)
    )
    assert set(per_participant.values()) == {9}
    for participant in Participant.objects.all():
        dois = list(participant.trials.filter(kind="test").values_list("item__doi", flat=True))
        assert len(dois) == len(set(dois))


@pytest.mark.django_db
def test_sequential_starts_keep_exposures_within_one(study: Study) -> None:
    for _ in range(25):
        walk_to_practice(Client(), study)
        spread = _spread(study)
        assert spread["human"] <= 1 and spread["gpt4"] <= 1


@pytest.mark.django_db
def test_abandoned_participant_is_released_at_next_assignment(study: Study) -> None:
    gone_client = Client()
    gone = walk_to_practice(gone_client, study)
    assert sum(exposure_counts(study=study).values()) == 9
    Participant.objects.filter(pk=gone.pk).update(
        last_seen_at=timezone.now() - timedelta(minutes=study.abandon_after_minutes + 1)
    )
    walk_to_practice(Client(), study)
    gone.refresh_from_db()
    assert gone.status == Participant.Status.ABANDONED
    assert gone.released_at is not None
    assert gone.trials.count() == 12  # kept, never deleted
    assert sum(exposure_counts(study=study).values()) == 9  # only the newcomer's count
    page = gone_client.get(flow_url(study))
    assert b"Your session has expired" in page.content


@pytest.mark.django_db
def test_active_participant_is_not_released(study: Study) -> None:
    walk_to_practice(Client(), study)
    walk_to_practice(Client(), study)
    assert not Participant.objects.filter(status=Participant.Status.ABANDONED).exists()
    assert sum(exposure_counts(study=study).values()) == 18


@pytest.mark.django_db
def test_release_command_releases_inactive_participants(study: Study, capsys: Any) -> None:
    walk_to_practice(Client(), study)
    Participant.objects.update(last_seen_at=timezone.now() - timedelta(days=1))
    call_command("release_abandoned")
    assert "pilot: released 1" in capsys.readouterr().out
    assert Participant.objects.get().status == Participant.Status.ABANDONED
    assert sum(exposure_counts(study=study).values()) == 0


@pytest.mark.django_db
def test_too_small_bank_refuses_before_consent_and_stores_nothing(client: Client, db: Any) -> None:
    """Issue 21: a participant agreed to the consent and then got a 503. A study whose bank
    cannot serve it (here opened behind the services' back) refuses at the start instead."""
    ensure_builtin_items()
    make_bank(bank="tiny", n_human=3, n_gpt4=3)
    study = study_create(slug="tiny", title="Tiny", bank="tiny")
    Study.objects.filter(pk=study.pk).update(is_open=True)
    landing = client.get(f"/s/{study.slug}/")
    assert landing.status_code == 200
    assert b"not ready for participants yet" in landing.content
    assert b'type="submit"' not in landing.content  # no Start button, so no consent page
    response = start(client, study)
    assert response.status_code == 503
    assert b"This study is not ready yet" in response.content
    assert not Participant.objects.exists()


@pytest.mark.django_db
def test_a_bank_emptied_after_the_start_refuses_at_consent_and_stores_nothing(
    client: Client, bank: list[Item]
) -> None:
    """The rare race: the bank lost its items between the start and the consent."""
    study = study_create(slug="race", title="Race", bank=BANK, is_open=True)
    start(client, study)
    Item.objects.filter(bank=BANK).delete()
    response = client.post(flow_url(study), {"step": "consent", "consent": "agree"})
    assert response.status_code == 503
    participant = Participant.objects.get()
    assert participant.status == Participant.Status.CONSENT
    assert participant.trials.count() == 0


@pytest.mark.django_db
def test_study_settings_decide_the_mix(client: Client, bank: list[Item]) -> None:
    study = study_create(
        slug="mix",
        title="Mix",
        bank=BANK,
        n_human_trials=2,
        n_gpt4_trials=1,
        practice_enabled=False,
        catch_trials_enabled=False,
        is_open=True,
    )
    start(client, study)
    client.post(flow_url(study), {"step": "consent", "consent": "agree"})
    kinds = list(Trial.objects.order_by("position").values_list("position", "item__source"))
    assert [p for p, _ in kinds] == [1, 2, 3]
    assert Counter(s for _, s in kinds) == {"human": 2, "gpt4": 1}


@pytest.mark.parametrize(
    ("n_human", "n_gpt4", "shared"),
    [(200, 100, 100), (20, 10, 10), (20, 10, 5)],
    ids=["brainbench-shaped", "small-all-shared", "small-half-shared"],
)
def test_doi_aware_picks_stay_within_one_over_many_participants(
    n_human: int, n_gpt4: int, shared: int
) -> None:
    """The pure picking rule, without the database: every GPT-4 case of BrainBench shares its
    paper with a human case, which is what can block the least-exposed human items."""
    from braintrial.participants.services.assignment import BankItem, _pick_balanced

    humans = [BankItem(i + 1, "b", "test", "human", f"p{i}") for i in range(n_human)]
    gpt4 = [
        BankItem(10_000 + j, "b", "test", "gpt4", f"p{j}" if j < shared else f"g{j}")
        for j in range(n_gpt4)
    ]
    counts = {item.pk: 0 for item in humans + gpt4}
    for _ in range(300):
        chosen = _pick_balanced((gpt4, 3), (humans, 6), counts)
        assert len({item.doi for item in chosen}) == 9
        for item in chosen:
            counts[item.pk] += 1
        for pool in (humans, gpt4):
            values = [counts[item.pk] for item in pool]
            assert max(values) - min(values) <= 1
