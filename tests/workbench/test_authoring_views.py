"""The authoring, review and roles pages over HTTP: who may open what (one gatekeeper), every
refusal a clear 4xx that stores nothing, and every decision audited."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse

from braintrial.items.models import Item
from braintrial.workbench.models import AuthoringRules, BankRole, Draft

from .conftest import ABSTRACT, PASSAGE, Authoring, altered_text, client_for, passage_range

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("posts_like_a_browser")]


def write_url(a: Authoring) -> str:
    return reverse("dashboard:workbench_draft_write", args=["lab-a", a.candidate.pk])


def submit_url(a: Authoring) -> str:
    return reverse("dashboard:workbench_draft_submit", args=["lab-a", a.candidate.pk])


def draft_fields(**overrides: object) -> dict[str, object]:
    start, end = passage_range()
    return {"passage_start": start, "passage_end": end, "altered": altered_text(), **overrides}


def last_entry_pk() -> int:
    last = LogEntry.objects.order_by("-pk").first()
    return last.pk if last else 0


def events_since(since: int) -> list[str]:
    entries = LogEntry.objects.filter(pk__gt=since).order_by("pk")
    return list(entries.values_list("additional_data__event", flat=True))


def test_checking_shows_both_versions_with_the_changed_words_marked_and_stores_nothing(
    authoring: Authoring,
) -> None:
    response = client_for(authoring.author).post(write_url(authoring), draft_fields())
    html = response.content.decode()
    assert response.status_code == 200
    assert '<mark class="passage">' + PASSAGE + "</mark>" in html
    assert "<mark>stayed stable</mark> in <mark>darkness, without drift</mark>" in html
    assert "<mark>drifted by a small amount</mark> in <mark>darkness</mark>" in html
    assert 'id="checks-passed"' in html and not Draft.objects.exists()


def test_an_author_submits_and_a_reviewer_accepts_over_http(authoring: Authoring) -> None:
    since = last_entry_pk()
    response = client_for(authoring.author).post(submit_url(authoring), draft_fields())
    draft = Draft.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:workbench_draft", args=["lab-a", draft.pk])
    review_url = reverse("dashboard:workbench_draft_review", args=["lab-a", draft.pk])
    # The author holds no reviewer role: the gatekeeper says so before any service runs.
    assert client_for(authoring.author).post(review_url, {"decision": "accept"}).status_code == 403
    page = client_for(authoring.reviewer).get(response["Location"]).content.decode()
    assert "Accept into lab-a" in page and "Return to its author" in page
    accepted = client_for(authoring.reviewer).post(review_url, {"decision": "accept"})
    assert accepted.status_code == 302
    item = Item.objects.get(bank="lab-a")
    assert (item.altered, item.source) == (altered_text(), "human")
    assert events_since(since) == ["draft.submit", "draft.accept"]


def test_a_returned_draft_goes_back_to_its_author_with_the_comment(authoring: Authoring) -> None:
    client_for(authoring.author).post(submit_url(authoring), draft_fields())
    draft = Draft.objects.get()
    review_url = reverse("dashboard:workbench_draft_review", args=["lab-a", draft.pk])
    empty = client_for(authoring.reviewer).post(review_url, {"decision": "return", "comment": ""})
    assert empty.status_code == 400 and "Say in a comment" in empty.content.decode()
    client_for(authoring.reviewer).post(
        review_url, {"decision": "return", "comment": "Keep the numbers."}
    )
    page = client_for(authoring.author).get(
        reverse("dashboard:workbench_draft", args=["lab-a", draft.pk])
    )
    html = page.content.decode()
    assert "Keep the numbers." in html and "Resubmit for review" in html
    fixed = ABSTRACT.replace(PASSAGE, "Fields stayed stable in darkness")
    fix_url = reverse("dashboard:workbench_draft_fix", args=["lab-a", draft.pk])
    response = client_for(authoring.author).post(fix_url, draft_fields(altered=fixed))
    draft.refresh_from_db()
    assert response.status_code == 302 and (draft.status, draft.altered) == ("submitted", fixed)


def test_the_author_who_is_also_a_reviewer_is_refused_with_a_clear_message(
    authoring: Authoring,
) -> None:
    client_for(authoring.both).post(submit_url(authoring), draft_fields())
    draft = Draft.objects.get()
    detail = client_for(authoring.both).get(
        reverse("dashboard:workbench_draft", args=["lab-a", draft.pk])
    )
    assert "Accept into lab-a" not in detail.content.decode()
    response = client_for(authoring.both).post(
        reverse("dashboard:workbench_draft_review", args=["lab-a", draft.pk]),
        {"decision": "accept"},
    )
    assert response.status_code == 400
    assert "a second expert must review it" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "submitted" and not Item.objects.filter(bank="lab-a").exists()


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"passage_start": "", "passage_end": ""}, "Mark the results passage"),
        ({"altered": ABSTRACT}, "is the original"),
        ({"altered": ABSTRACT.replace("We asked", "We tested")}, "outside the marked passage"),
        ({"passage_start": "abc"}, "Enter a whole number"),
        ({"passage_end": "99999"}, "is not inside the abstract"),
        ({"altered": altered_text() + "\x00"}, "Null characters are not allowed"),
        ({"altered": "x" * 12_000}, "at most 11000 characters"),
    ],
)
def test_bad_drafts_answer_400_with_the_reason_and_store_nothing(
    authoring: Authoring, fields: dict[str, object], says: str
) -> None:
    since = last_entry_pk()
    response = client_for(authoring.author).post(submit_url(authoring), draft_fields(**fields))
    assert response.status_code == 400
    assert says in response.content.decode()
    assert not Draft.objects.exists() and not LogEntry.objects.filter(pk__gt=since).exists()


def test_nobody_without_a_role_reads_the_banks_drafts(authoring: Authoring) -> None:
    client_for(authoring.author).post(submit_url(authoring), draft_fields())
    draft = Draft.objects.get()
    urls = [
        reverse("dashboard:workbench_drafts", args=["lab-a"]),
        reverse("dashboard:workbench_draft", args=["lab-a", draft.pk]),
    ]
    for url in urls:
        assert client_for(authoring.author).get(url).status_code == 200
        assert client_for(authoring.reviewer).get(url).status_code == 200
        # The owner reads the bank but holds no role; the outsider does not even read it.
        assert client_for(authoring.owner).get(url).status_code == 403
        assert client_for(authoring.outsider).get(url).status_code == 404
        assert Client().get(url).status_code == 302  # to the login page
    # Only authors write; a reviewer is told which role is needed.
    refused = client_for(authoring.reviewer).get(write_url(authoring))
    assert refused.status_code == 403
    # A draft of another bank is not found through this one.
    assert (
        client_for(authoring.author)
        .get(reverse("dashboard:workbench_draft", args=["lab-b", draft.pk]))
        .status_code
        == 404
    )


def test_an_owner_grants_and_revokes_roles_and_sets_the_length_rule_all_audited(
    authoring: Authoring,
) -> None:
    owner = client_for(authoring.owner)
    since = last_entry_pk()
    grant_url = reverse("dashboard:workbench_role_grant", args=["lab-a"])
    assert owner.post(grant_url, {"username": "otto", "role": "reviewer"}).status_code == 302
    again = owner.post(grant_url, {"username": "otto", "role": "reviewer"})
    assert again.status_code == 400 and "already a reviewer of lab-a" in again.content.decode()
    nobody = owner.post(grant_url, {"username": "nobody", "role": "author"})
    assert nobody.status_code == 400 and "no active account named" in nobody.content.decode()
    bad_role = owner.post(grant_url, {"username": "otto", "role": "owner"})
    assert bad_role.status_code == 400
    granted = BankRole.objects.get(user=authoring.outsider)
    assert (
        client_for(authoring.outsider)
        .get(reverse("dashboard:workbench_drafts", args=["lab-a"]))
        .status_code
        == 200
    )
    revoke = reverse("dashboard:workbench_role_revoke", args=["lab-a", granted.pk])
    assert owner.post(revoke).status_code == 302
    assert (
        client_for(authoring.outsider)
        .get(reverse("dashboard:workbench_drafts", args=["lab-a"]))
        .status_code
        == 404
    )
    rule_url = reverse("dashboard:workbench_length_rule", args=["lab-a"])
    assert owner.post(rule_url, {"max_length_change_percent": "99"}).status_code == 400
    assert owner.post(rule_url, {"max_length_change_percent": "15"}).status_code == 302
    assert AuthoringRules.objects.get(bank=authoring.bank).max_length_change_percent == 15
    assert events_since(since) == ["role.grant", "role.revoke", "rules.change"]


def test_only_the_owners_open_the_roles_page(authoring: Authoring) -> None:
    url = reverse("dashboard:workbench_roles", args=["lab-a"])
    assert client_for(authoring.owner).get(url).status_code == 200
    # An author or reviewer is no owner; the grant endpoint refuses them too.
    assert client_for(authoring.author).get(url).status_code == 403
    grant = client_for(authoring.author).post(
        reverse("dashboard:workbench_role_grant", args=["lab-a"]),
        {"username": "ada", "role": "reviewer"},
    )
    assert grant.status_code == 403
    assert not BankRole.objects.filter(user=authoring.author, role="reviewer").exists()
