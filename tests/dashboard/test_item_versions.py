"""A test case's page: its versions and the challenges participants made; a bank owner fixes it
as a new version or retires it; a researcher upholds or rejects a challenge, audited."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.test import Client

from braintrial.items.models import Item, ItemBank
from braintrial.participants.models import Challenge
from braintrial.studies.models import Study
from braintrial.studies.services import study_create
from tests.participants.conftest import BANK, ensure_builtin_items, make_bank, participant_of
from tests.participants.test_withdrawal import complete

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def url_encoded_posts(posts_like_a_browser: None) -> None:
    """Participant pages refuse multipart bodies: every post here is url-encoded."""


@pytest.fixture
def pilot(db: Any) -> Study:
    ensure_builtin_items()
    make_bank()
    return study_create(
        slug="pilot", title="Pilot", bank=BANK, completion_code="C0DE", is_open=True
    )


def _researcher(study: Study, name: str, *, owns_bank: bool) -> Client:
    user = User.objects.create_user(username=name)
    user.user_permissions.add(Permission.objects.get(codename="change_study"))
    study.researchers.add(user)
    if owns_bank:
        ItemBank.objects.get_or_create(name=BANK)[0].owners.add(user)
    client = Client()
    client.force_login(user)
    return client


def _challenged(study: Study) -> Challenge:
    participant = Client()
    complete(participant, study, pid="p1")
    trial = participant_of(participant, study).trials.filter(kind="test").first()
    data = {"position": trial.position, "kind": "both_plausible", "text": "Both read fine."}
    assert participant.post(f"/s/{study.slug}/challenge/", data).status_code == 200
    return Challenge.objects.get()


def _page(study: Study, item: Item) -> str:
    return f"/dashboard/{study.slug}/science/items/{item.pk}/"


def _entries(baseline: int, event: str) -> list[LogEntry]:
    return list(LogEntry.objects.filter(pk__gt=baseline, additional_data__event=event))


def _baseline() -> int:
    last = LogEntry.objects.order_by("-pk").first()
    return last.pk if last else 0


def test_the_item_page_lists_the_challenge_beside_the_figures(pilot: Study) -> None:
    study = pilot
    challenge = _challenged(study)
    owner = _researcher(study, "owner", owns_bank=True)
    page = owner.get(_page(study, challenge.item)).content.decode()
    assert "Both versions are plausible" in page and "Both read fine." in page
    assert "version 1</strong> (current)" in page
    assert f'action="/dashboard/{study.slug}/science/items/{challenge.item_id}/challenges/' in page
    science = owner.get(f"/dashboard/{study.slug}/science/")
    assert science.status_code == 200
    # The page title is text, and each section is drawn once, inside the page's body.
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in title and study.title in title
    head, body = page.split("<body", 1)
    assert 'id="versions"' not in head and 'id="challenges"' not in head
    assert body.count('id="versions"') == 1 and body.count('id="challenges"') == 1


def test_upholding_as_a_new_version_keeps_the_old_and_serves_the_new(pilot: Study) -> None:
    study = pilot
    challenge = _challenged(study)
    old = challenge.item
    owner = _researcher(study, "owner", owns_bank=True)
    baseline = _baseline()
    decision = {
        "verdict": "new_version",
        "note": "altered version was also plausible",
        "original": old.original,
        "altered": old.altered + " The effect was abolished.",
    }
    url = f"{_page(study, old)}challenges/{challenge.pk}/"
    response = owner.post(url, decision)
    assert response.status_code == 302
    challenge.refresh_from_db()
    new = challenge.new_item
    assert (challenge.status, challenge.action) == ("upheld", "new_version")
    assert (new.lineage, new.version, new.retired_at) == (old.lineage, 2, None)
    old.refresh_from_db()
    assert old.retirement == "superseded"
    assert response["Location"] == _page(study, new)
    (entry,) = _entries(baseline, "challenge.upheld")
    assert entry.additional_data["details"]["new_item"] == new.pk
    assert "Both read fine." not in str(entry.additional_data)  # free text stays out of the log
    assert len(_entries(baseline, "items.version")) == 1
    # The trials export names the version each trial showed.
    export = owner.get(f"/exports/{study.slug}/trials.csv?include_excluded=1")
    text = b"".join(export.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    shown = [r for r in rows if r["item_id"] == str(old.pk)]
    assert shown and {r["item_version"] for r in shown} == {"1"}
    assert {r["item_lineage"] for r in shown} == {str(old.lineage)}
    # Deciding twice is refused.
    again = owner.post(url, {"verdict": "reject"})
    assert again.status_code == 400 and "upheld already" in again.content.decode()


def test_rejecting_needs_the_study_and_changing_the_bank_needs_its_owner(pilot: Study) -> None:
    study = pilot
    challenge = _challenged(study)
    url = f"{_page(study, challenge.item)}challenges/{challenge.pk}/"
    colleague = _researcher(study, "colleague", owns_bank=False)
    assert colleague.post(url, {"verdict": "retire"}).status_code == 403
    assert Item.objects.get(pk=challenge.item_id).retired_at is None
    baseline = _baseline()
    assert colleague.post(url, {"verdict": "reject", "note": "reads fine"}).status_code == 302
    challenge.refresh_from_db()
    assert (challenge.status, challenge.decision_note) == ("rejected", "reads fine")
    assert len(_entries(baseline, "challenge.rejected")) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"verdict": "maybe"}, "Select a valid choice"),
        ({"verdict": "new_version", "original": "", "altered": "x"}, "needs both texts"),
        (
            {"verdict": "new_version", "original": "Same text.", "altered": "Same  text."},
            "identical",
        ),
    ],
)
def test_bad_decisions_are_refused_and_change_nothing(
    pilot: Study, data: dict[str, Any], message: str
) -> None:
    study = pilot
    challenge = _challenged(study)
    owner = _researcher(study, "owner", owns_bank=True)
    response = owner.post(f"{_page(study, challenge.item)}challenges/{challenge.pk}/", data)
    assert response.status_code == 400 and message in response.content.decode()
    challenge.refresh_from_db()
    assert challenge.status == "open"
    assert Item.objects.filter(lineage=challenge.item.lineage).count() == 1


def test_a_bank_owner_edits_and_retires_from_the_item_page(pilot: Study) -> None:
    study = pilot
    item = Item.objects.filter(bank=BANK).order_by("pk").first()
    owner = _researcher(study, "owner", owns_bank=True)
    edited = {"original": item.original, "altered": item.altered + " Fixed.", "note": "typo"}
    response = owner.post(f"{_page(study, item)}version/", edited)
    assert response.status_code == 302
    new = Item.objects.get(lineage=item.lineage, version=2)
    page = owner.get(_page(study, item)).content.decode()
    assert "This version is no longer served" in page and "version 2" in page
    stale = owner.post(f"{_page(study, item)}version/", edited)
    assert stale.status_code == 400 and "version 2 is the newest" in stale.content.decode()
    assert owner.post(f"{_page(study, new)}retire/", {"note": "giveaway"}).status_code == 302
    new.refresh_from_db()
    assert new.retirement == "retired"
    colleague = _researcher(study, "colleague", owns_bank=False)
    other = Item.objects.filter(bank=BANK, retired_at__isnull=True).first()
    assert colleague.post(f"{_page(study, other)}retire/", {}).status_code == 403
    assert "Change this test case" not in colleague.get(_page(study, other)).content.decode()


def test_the_study_switch_leaves_the_upheld_version_out_and_says_how_many(pilot: Study) -> None:
    from braintrial.analysis.data import items_load
    from braintrial.analysis.participation import _left_out
    from braintrial.analysis.rules import ExclusionRules, trial_included_q
    from braintrial.participants.models import Trial

    study = pilot
    challenge = _challenged(study)
    owner = _researcher(study, "owner", owns_bank=True)
    url = f"{_page(study, challenge.item)}challenges/{challenge.pk}/"
    assert owner.post(url, {"verdict": "retire"}).status_code == 302
    on_item = Trial.objects.filter(item=challenge.item, participant__study=study)
    rules = ExclusionRules.none()
    assert on_item.filter(trial_included_q(rules=rules)).exists()  # counted while the switch is off
    assert challenge.item_id in set(items_load(study=study).ids.tolist())
    assert _left_out(study=study) == (1, 0, 0)  # upheld, left out, their trials
    Study.objects.filter(pk=study.pk).update(leave_out_upheld_items=True)
    study.refresh_from_db()
    assert not on_item.filter(trial_included_q(rules=rules)).exists()
    assert challenge.item_id not in set(items_load(study=study).ids.tolist())
    assert _left_out(study=study) == (1, 1, 1)
    export = owner.get(f"/exports/{study.slug}/trials.csv?include_excluded=1")
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    (row,) = [r for r in rows if r["item_id"] == str(challenge.item_id)]
    assert "upheld_item" in row["excluded_by"]
