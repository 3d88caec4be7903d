"""Held-out items (studies.heldout): which items, stable and unguessable, and that their texts
stay out of every download of anyone who is not a researcher of the study, while their trials
and scores still count."""

from __future__ import annotations

import csv
import io
import itertools

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from braintrial.dashboard.setup.forms import StudyForm
from braintrial.exports.rows import EXPORT_KINDS
from braintrial.exports.writers import csv_text
from braintrial.items.models import Item, ItemBank
from braintrial.items.services.versions import item_version_create
from braintrial.studies.heldout import (
    held_out_draw,
    item_is_held_out,
    item_text_public,
    items_public_q,
    items_withheld_ids,
    study_held_out_ids,
)
from braintrial.studies.models import Study
from scoring.models import Scorer
from tests.factories import Made, item_make, scores_make, study_make, trial_make, user_make

pytestmark = pytest.mark.django_db
_files = itertools.count(1)


def more_items(*, bank: str, n: int) -> list[Item]:
    """``n`` more test items of ``bank``, from a file of their own."""
    name = f"more-{next(_files)}.csv"
    return [
        item_make(
            bank=bank,
            row=i + 1,
            source_file=name,
            original=f"Held {name} {i}: cells fired more.",
            altered=f"Held {name} {i}: cells fired less.",
        )
        for i in range(n)
    ]


def test_draw_is_a_keyed_number_in_the_unit_interval():
    draws = [held_out_draw(key="k1", case=n) for n in range(1, 2001)]
    assert all(0 <= d < 1 for d in draws)
    assert 0.45 < sum(d < 0.5 for d in draws) / len(draws) < 0.55
    # Another key, other numbers: without the key the set cannot be told from the ids.
    assert draws != [held_out_draw(key="k2", case=n) for n in range(1, 2001)]
    assert held_out_draw(key="k1", case=7) == held_out_draw(key="k1", case=7)


def test_each_study_gets_its_own_random_key():
    one = study_make("one", n_people=0, scored=False).study
    two = study_make("two", n_people=0, scored=False).study
    assert len(one.held_out_key) == 32
    assert one.held_out_key != two.held_out_key


def test_held_out_set_is_stable_under_growth_and_only_grows_with_the_share():
    made = study_make("hold", n_people=0, scored=False, held_out_share=0.3)
    more_items(bank=made.study.bank, n=194)
    study = Study.objects.get(pk=made.study.pk)
    first = study_held_out_ids(study=study)
    assert 30 < len(first) < 90  # about 0.3 of 200 items
    assert study_held_out_ids(study=Study.objects.get(pk=study.pk)) == first
    more_items(bank=study.bank, n=50)
    assert first <= study_held_out_ids(study=study)  # new items move no earlier one
    study.held_out_share = 0.5
    assert first <= study_held_out_ids(study=study)
    study.held_out_share = 0.0
    assert study_held_out_ids(study=study) == frozenset()


def test_a_new_version_of_a_held_out_case_stays_held_out():
    """The draw is on the lineage, which every version shares: editing a held-out case must not
    publish its new text."""
    made = study_make("versioned", n_people=0, scored=False, held_out_share=0.5)
    more_items(bank=made.study.bank, n=40)
    study = Study.objects.get(pk=made.study.pk)
    held = study_held_out_ids(study=study)
    old = Item.objects.get(pk=min(held))
    new = item_version_create(
        item=old,
        original=old.original + " Edited.",
        altered=old.altered + " Edited.",
        actor=user_make("editor"),
    )
    assert new.pk != old.pk and new.lineage == old.lineage
    assert item_is_held_out(study=study, item=new)
    assert new.pk in study_held_out_ids(study=study)
    assert new.pk in items_withheld_ids(user=None)


def test_a_share_of_zero_holds_nothing_out_and_practice_items_never_are():
    made = study_make("zero", n_people=0, scored=False)
    assert study_held_out_ids(study=made.study) == frozenset()
    assert items_withheld_ids(user=None) == frozenset()
    made.study.held_out_share = 0.5
    practice = more_items(bank=made.study.bank, n=1)[0]
    practice.kind = "practice"
    assert not item_is_held_out(study=made.study, item=practice)


@pytest.mark.parametrize("share", [-0.1, 0.51, 1.0, float("nan"), float("inf")])
def test_share_outside_its_range_is_refused_by_the_form_and_the_database(share):
    form = StudyForm(data={"held_out_share": str(share)})
    assert not form.is_valid()
    assert "held_out_share" in form.errors
    with pytest.raises(ValidationError):
        Study(slug="bad", title="Bad", held_out_share=share).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Study.objects.create(slug="bad", title="Bad", held_out_share=share)


def test_the_key_is_kept_out_of_the_audit_log():
    made = study_make("secret", n_people=0, scored=False, held_out_share=0.2)
    entries = LogEntry.objects.filter(object_pk=str(made.study.pk))
    assert entries.exists()
    assert all(made.study.held_out_key not in str(entry.changes) for entry in entries)


# --- the downloads ------------------------------------------------------------------------


def shared(share: float = 0.5) -> tuple[Made, Study, object, frozenset[int]]:
    """Study alpha on its bank of 40 items holding half out, and a second study on the same
    bank whose researcher is not one of alpha's."""
    alpha = study_make("alpha", held_out_share=share)
    more_items(bank=alpha.study.bank, n=34)
    other = user_make("other-lab")
    second = Study.objects.create(slug="second", title="Second", bank=alpha.study.bank)
    second.researchers.add(other)
    ItemBank.objects.get(name=alpha.study.bank).owners.add(other)
    held = study_held_out_ids(study=alpha.study)
    assert held
    # A trial and a score on a held-out item: they count as any other's.
    one = Item.objects.get(pk=min(held - {item.pk for item in alpha.items}))
    trial_make(alpha.participants[0], one, position=4)
    scores_make(scorer=Scorer.objects.get(name="factory-model"), ppl={one: (9.0, 12.0)})
    return alpha, second, other, held


def api_for(user) -> APIClient:
    client = APIClient()
    token = Token.objects.get_or_create(user=user)[0]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_api_leaves_held_out_texts_out_for_a_researcher_of_another_study():
    _, _, other, held = shared()
    rows = api_for(other).get("/api/items/?study=second&page_size=500").json()["results"]
    assert {row["id"] for row in rows} >= held  # the items are listed ...
    for row in rows:
        if row["id"] in held:
            assert row["held_out"] is True
            assert (row["original"], row["altered"], row["differences"]) == ("", "", [])
        else:
            assert row["held_out"] is False and row["original"]
    one = sorted(held)[0]
    detail = api_for(other).get(f"/api/items/{one}/").json()
    assert detail["held_out"] is True and detail["original"] == "" and detail["altered"] == ""


def test_api_gives_the_study_researchers_and_the_operator_every_text():
    alpha, _, _, held = shared()
    staff = user_make("operator", staff=True)
    for user in (alpha.researcher, staff):
        rows = api_for(user).get("/api/items/?study=alpha&page_size=500").json()["results"]
        assert all(row["held_out"] is False and row["original"] for row in rows)
        assert {row["id"] for row in rows} >= held


def test_items_csv_leaves_held_out_texts_out_while_their_trials_and_scores_count(client):
    alpha, _, other, held = shared()
    texts = dict(Item.objects.filter(pk__in=held).values_list("pk", "original"))
    client.force_login(other)
    body = b"".join(client.get("/exports/second/items.csv").streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body, newline="")))
    for row in rows:
        held_out = int(row["item_id"]) in held
        assert row["held_out"] == ("1" if held_out else "0")
        if held_out:
            assert row["original"] == row["altered"] == row["differences"] == ""
    for text in texts.values():
        assert text not in body
    # Alpha's own researcher gets every text, and the trials and scores on held-out items.
    client.force_login(alpha.researcher)
    own = b"".join(client.get("/exports/alpha/items.csv").streaming_content).decode()
    assert all(text in own for text in texts.values())
    trials = b"".join(client.get("/exports/alpha/trials.csv").streaming_content).decode()
    answered = {int(r["item_id"]) for r in csv.DictReader(io.StringIO(trials, newline=""))}
    assert answered & held
    scores = b"".join(client.get("/exports/alpha/scores.csv").streaming_content).decode()
    scored = {int(r["item_id"]) for r in csv.DictReader(io.StringIO(scores, newline=""))}
    assert scored & held


def test_a_file_written_for_no_reader_is_the_public_one():
    alpha, _, _, held = shared()
    body = csv_text(kind=EXPORT_KINDS["items"], studies=Study.objects.filter(pk=alpha.study.pk))
    rows = list(csv.DictReader(io.StringIO(body, newline="")))
    assert {int(r["item_id"]) for r in rows if r["held_out"] == "1"} == held
    assert all(r["original"] == "" for r in rows if r["held_out"] == "1")


def test_public_filter_and_text_check_agree():
    alpha, _, other, held = shared()
    bank = Item.objects.filter(bank=alpha.study.bank)
    public = set(bank.filter(items_public_q()).values_list("pk", flat=True))
    assert not public & held
    one = Item.objects.get(pk=sorted(held)[0])
    assert not item_text_public(item=one, user=None)
    assert not item_text_public(item=one, user=other)
    assert item_text_public(item=one, user=alpha.researcher)
