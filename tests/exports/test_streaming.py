"""A large export streams: many chunks, memory far below the file's size, cursor released."""

from __future__ import annotations

import tracemalloc

import pytest
from django.db import connection
from django.http import StreamingHttpResponse

from braintrial.exports.rows import EXPORT_KINDS
from braintrial.exports.writers import Started, csv_stream
from braintrial.items.models import Item
from braintrial.participants.models import Participant, Trial
from braintrial.studies.models import Study
from tests.factories import T0, items_make, study_make

pytestmark = pytest.mark.django_db
N_TRIALS = 50_000
PER_PERSON = 10


@pytest.fixture
def big_study():
    made = study_make("big", n_people=0)
    Participant.objects.bulk_create(
        Participant(study=made.study, status="completed", country="Chile", age=40)
        for _ in range(N_TRIALS // PER_PERSON)
    )
    items = made.items + items_make(bank=made.study.bank, source=Item.Source.GPT4)
    item_ids = [item.pk for item in items]
    # One INSERT ... SELECT: 50,000 trials in well under a second.
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Trial._meta.db_table} (participant_id, item_id, position, kind,
                original_is_a, shown_at, answered_at, choice, correct, confidence, expertise,
                recognised, rt_server_ms, rt_client_ms, blur_count, confidence_moved,
                expertise_moved, flag_recognised, flag_fast)
            SELECT p.id, (%s::bigint[])[pos], pos, 'test', pos %% 2 = 0, %s, %s, 'A',
                pos %% 3 = 0, 50, 60, false, 20000 + pos, 19000, 0, true, true, false, false
            FROM {Participant._meta.db_table} p, generate_series(1, %s) AS pos
            WHERE p.study_id = %s
            """,
            [item_ids, T0, T0, PER_PERSON, made.study.pk],
        )
    assert Trial.objects.filter(participant__study=made.study).count() == N_TRIALS
    return made


def consume(chunks) -> tuple[int, int, int]:
    """(chunks, bytes, peak traced bytes) while reading every chunk and dropping it."""
    tracemalloc.start()
    try:
        n_chunks = n_bytes = 0
        for chunk in chunks:
            n_chunks += 1
            n_bytes += len(chunk)
        return n_chunks, n_bytes, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_download_is_a_streaming_response_that_never_holds_the_file(client, big_study):
    client.force_login(big_study.researcher)
    response = client.get("/exports/big/trials.csv")
    assert isinstance(response, StreamingHttpResponse)
    n_chunks, n_bytes, peak = consume(response.streaming_content)
    assert n_bytes > 10_000_000  # 50,000 rows of ~300 bytes
    assert n_chunks >= 20
    assert peak < 3_000_000, f"peak {peak:,} bytes for a {n_bytes:,}-byte file"


def test_the_writer_keeps_memory_flat(big_study):
    studies = Study.objects.filter(pk=big_study.study.pk)
    chunks = csv_stream(kind=EXPORT_KINDS["trials"], studies=studies, include_excluded=True)
    n_chunks, n_bytes, peak = consume(chunks)
    assert n_chunks >= 20
    assert peak < 3_000_000, f"peak {peak:,} bytes for a {n_bytes:,}-byte file"


def test_abandoned_download_leaves_the_connection_usable(big_study):
    studies = Study.objects.filter(pk=big_study.study.pk)
    chunks = csv_stream(kind=EXPORT_KINDS["trials"], studies=studies)
    next(chunks)
    next(chunks)
    chunks.close()  # what Django does when the client goes away
    assert Trial.objects.filter(participant__study=big_study.study).count() == N_TRIALS


def test_download_abandoned_after_its_first_chunk_releases_the_cursor(big_study):
    studies = Study.objects.filter(pk=big_study.study.pk)
    savepoints = list(connection.savepoint_ids)
    stream = Started(csv_stream(kind=EXPORT_KINDS["trials"], studies=studies))
    assert connection.savepoint_ids != savepoints  # the export's transaction is open
    assert next(iter(stream)).startswith(b"pid,")
    stream.close()  # the response's close(), before the second chunk
    assert connection.savepoint_ids == savepoints
    assert Trial.objects.filter(participant__study=big_study.study).count() == N_TRIALS
