"""Downloads: who may fetch which file, the include_excluded option, the dictionary page."""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest
from django.http import StreamingHttpResponse

from braintrial.exports.rows import EXPORT_KINDS
from braintrial.participants.models import Participant
from scoring.models import ItemScore, Scorer, ScoreRun
from tests.factories import participant_make, study_make, trial_make, user_make

pytestmark = pytest.mark.django_db
KINDS = list(EXPORT_KINDS)


def rows_of(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.fixture
def two_studies():
    return study_make("alpha"), study_make("beta")


@pytest.mark.parametrize("kind", KINDS)
def test_anonymous_visitor_is_sent_to_login(client, two_studies, kind):
    for url in (f"/exports/alpha/{kind}.csv", f"/exports/all/{kind}.csv"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("kind", KINDS)
def test_participant_cookie_gives_no_export(client, two_studies, kind):
    alpha, _ = two_studies
    participant = alpha.participants[0]
    client.cookies[f"bt_{alpha.study.slug}"] = alpha.tokens[participant.pk]
    response = client.get(f"/exports/alpha/{kind}.csv")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("kind", KINDS)
def test_researcher_of_another_study_gets_404(client, two_studies, kind):
    _, beta = two_studies
    client.force_login(beta.researcher)
    assert client.get(f"/exports/alpha/{kind}.csv").status_code == 404
    assert client.get(f"/exports/nonexistent/{kind}.csv").status_code == 404


@pytest.mark.parametrize("kind", KINDS)
def test_own_researcher_downloads_a_streamed_attachment(client, two_studies, kind):
    alpha, _ = two_studies
    client.force_login(alpha.researcher)
    response = client.get(f"/exports/alpha/{kind}.csv")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="alpha-{kind}.csv"'
    rows = rows_of(response)
    assert rows, kind
    if kind in ("trials", "participants"):
        assert {row["study"] for row in rows} == {"alpha"}


def test_staff_may_export_any_study(client, two_studies):
    client.force_login(user_make("boss", staff=True))
    rows = rows_of(client.get("/exports/beta/trials.csv"))
    assert len(rows) == 6
    assert {row["study"] for row in rows} == {"beta"}


def test_all_covers_exactly_the_researchers_own_studies(client, two_studies):
    alpha, _ = two_studies
    gamma = study_make("gamma", researcher=alpha.researcher)
    client.force_login(alpha.researcher)
    rows = rows_of(client.get("/exports/all/trials.csv"))
    assert {row["study"] for row in rows} == {"alpha", "gamma"}
    assert len(rows) == len(alpha.trials) + len(gamma.trials)
    items = rows_of(client.get("/exports/all/items.csv"))
    assert {row["bank"] for row in items} == {"bank-alpha", "bank-gamma"}


def test_logged_in_user_without_studies_gets_only_the_header(client, two_studies):
    client.force_login(user_make("nobody"))
    response = client.get("/exports/all/trials.csv")
    assert response.status_code == 200
    assert rows_of(response) == []


@pytest.mark.parametrize("value", ["maybe", "2", "yes please"])
def test_invalid_include_excluded_is_a_400(client, two_studies, value):
    alpha, _ = two_studies
    client.force_login(alpha.researcher)
    response = client.get("/exports/alpha/trials.csv", {"include_excluded": value})
    assert response.status_code == 400
    assert "include_excluded must be 1 or 0" in response.content.decode()


def test_post_is_refused(client, two_studies):
    alpha, _ = two_studies
    client.force_login(alpha.researcher)
    assert client.post("/exports/alpha/trials.csv").status_code == 405


def test_excluded_rows_only_with_include_excluded(client, two_studies):
    alpha, _ = two_studies
    study, items = alpha.study, alpha.items
    flagged, _ = participant_make(study, 7, flag_failed_catch=True)
    trial_make(flagged, items[0], 1)
    keeper, _ = participant_make(study, 8)
    trial_make(keeper, items[0], 1, recognised=True, flag_recognised=True)
    trial_make(keeper, items[1], 2, rt_server_ms=1200, flag_fast=True)
    trial_make(keeper, items[2], 3, choice="", correct=None, answered_at=None)
    trial_make(keeper, items[3], 4, blur_count=3)
    client.force_login(alpha.researcher)

    kept = rows_of(client.get("/exports/alpha/trials.csv"))
    assert len(kept) == len(alpha.trials) + 1
    assert {row["excluded"] for row in kept} == {"0"}
    assert [row["click_outside"] for row in kept if row["pid"] == str(keeper.pk)] == ["clicked"]

    everything = rows_of(client.get("/exports/alpha/trials.csv?include_excluded=1"))
    reasons = {(row["pid"], row["position"]): row["excluded_by"] for row in everything}
    assert reasons[(str(flagged.pk), "1")] == "failed_catch"
    assert reasons[(str(keeper.pk), "1")] == "recognised"
    assert reasons[(str(keeper.pk), "2")] == "fast"
    assert reasons[(str(keeper.pk), "3")] == "unanswered"
    assert reasons[(str(keeper.pk), "4")] == ""

    people = rows_of(client.get("/exports/alpha/participants.csv"))
    assert str(flagged.pk) not in {row["pid"] for row in people}
    people = rows_of(client.get("/exports/alpha/participants.csv?include_excluded=true"))
    assert {row["pid"]: row["excluded_by"] for row in people}[str(flagged.pk)] == "failed_catch"


def test_switching_a_rule_off_in_the_study_keeps_its_trials(client, two_studies):
    alpha, _ = two_studies
    alpha.study.exclude_recognised = False
    alpha.study.save(update_fields=["exclude_recognised"])
    keeper, _ = participant_make(alpha.study, 9)
    trial_make(keeper, alpha.items[0], 1, recognised=True, flag_recognised=True)
    client.force_login(alpha.researcher)
    rows = rows_of(client.get("/exports/alpha/trials.csv"))
    assert [row["recognised"] for row in rows if row["pid"] == str(keeper.pk)] == ["1"]


def test_trial_row_codes_match_the_published_file(client, two_studies):
    alpha, _ = two_studies
    client.force_login(alpha.researcher)
    row = rows_of(client.get("/exports/alpha/trials.csv"))[0]
    trial = alpha.trials[0]
    assert row["pid"] == str(trial.participant_id)
    assert row["correct"] == "0"  # position 1: the factory answers odd positions wrongly
    assert row["rt"] == str(trial.rt_server_ms)
    assert row["journal_section"] == f"human_{trial.item.journal_section}"
    assert row["click_slider"] == "1"
    assert row["click_outside"] == ""
    assert row["current position"] == "Doctoral student"
    assert row["sex"] == "Female"
    assert row["version_a"] == "altered"
    assert row["answered_at"] == "2026-05-01T09:01:30Z"


def test_dictionary_documents_every_column_of_every_file(client):
    response = client.get("/exports/dictionary/")
    assert response.status_code == 200
    page = response.content.decode()
    for kind in EXPORT_KINDS.values():
        assert f'id="{kind.name}"' in page
        for column in kind.columns:
            assert f"<code>{column.name}</code>" in page, (kind.name, column.name)
            assert column.doc, (kind.name, column.name)


def test_answers_of_participants_still_taking_part_stay_out_as_in_the_report(client, two_studies):
    alpha, _ = two_studies
    taking_part, _ = participant_make(alpha.study, 9, status=Participant.Status.ACTIVE)
    trial_make(taking_part, alpha.items[0], 1)
    client.force_login(alpha.researcher)

    kept = rows_of(client.get("/exports/alpha/trials.csv"))
    assert str(taking_part.pk) not in {row["pid"] for row in kept}
    assert len(kept) == len(alpha.trials)
    everything = rows_of(client.get("/exports/alpha/trials.csv?include_excluded=1"))
    mine = [row for row in everything if row["pid"] == str(taking_part.pk)]
    assert [(row["excluded"], row["excluded_by"]) for row in mine] == [("1", "unfinished")]
    # The participants file, like the dashboard, counts only whom the analysis draws on; with
    # include_excluded it lists everyone, so that a study in progress can be followed.
    people = rows_of(client.get("/exports/alpha/participants.csv"))
    assert str(taking_part.pk) not in {row["pid"] for row in people}
    everyone = rows_of(client.get("/exports/alpha/participants.csv?include_excluded=1"))
    mine = [row for row in everyone if row["pid"] == str(taking_part.pk)]
    assert [(row["analysed"], row["excluded"]) for row in mine] == [("0", "0")]


def test_scores_of_unfinished_runs_stay_out_unless_asked_for(client, two_studies):
    alpha, _ = two_studies
    scorer = Scorer.objects.create(name="local-model", model_source="local/dir")
    for item in alpha.items:
        ItemScore.objects.create(
            scorer=scorer,
            item=item,
            ppl_original=3.0,
            ppl_altered=4.0,
            correct=True,
            confidence=1.0,
            config_fingerprint=scorer.config_fingerprint,
        )
    client.force_login(alpha.researcher)

    def local_rows(query: str = "") -> list[dict[str, str]]:
        rows = rows_of(client.get(f"/exports/alpha/scores.csv{query}"))
        return [row for row in rows if row["scorer"] == "local-model"]

    assert local_rows() == []
    assert {row["excluded_by"] for row in local_rows("?include_excluded=1")} == {"unfinished"}
    run = ScoreRun.objects.create(
        scorer=scorer,
        study=alpha.study,
        status=ScoreRun.Status.SUCCEEDED,
        n_total=2,
        n_done=2,
        config_fingerprint=scorer.config_fingerprint,
    )
    run.items.set(alpha.items[:2])
    assert sorted(int(row["item_id"]) for row in local_rows()) == [i.pk for i in alpha.items[:2]]


def test_a_failing_query_is_an_error_response_not_a_file_cut_after_its_header(
    client, two_studies, monkeypatch
):
    alpha, _ = two_studies
    kind = EXPORT_KINDS["trials"]
    healthy = kind.base_queryset

    def failing(studies, include_excluded):
        # Fails in Postgres when the rows are read, as a broken column expression would.
        return healthy(studies, include_excluded).extra(where=["1 / (id - id) = 1"])

    monkeypatch.setitem(EXPORT_KINDS, "trials", dataclasses.replace(kind, base_queryset=failing))
    client.force_login(alpha.researcher)
    client.raise_request_exception = False
    response = client.get("/exports/alpha/trials.csv")
    assert response.status_code == 500
    assert not isinstance(response, StreamingHttpResponse)
