"""Authoring and review: the guidelines' checks, the author → reviewer path into the bank, and
every refusal storing nothing (real Postgres; audit entries counted from a baseline)."""

from __future__ import annotations

import threading

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction

from braintrial.items.models import Item
from braintrial.items.services.diff import differences_compute
from braintrial.workbench.authoring import (
    AuthoringError,
    Passage,
    draft_checks,
    passage_check,
)
from braintrial.workbench.drafts import (
    DraftError,
    draft_accept,
    draft_edit,
    draft_resubmit,
    draft_return,
    draft_submit,
)
from braintrial.workbench.models import AuthoringRules, Draft

from .conftest import ABSTRACT, ALTERED_PASSAGE, PASSAGE, Authoring, altered_text, passage_range

pytestmark = pytest.mark.django_db


def events_since(baseline: int) -> list[str]:
    entries = LogEntry.objects.filter(pk__gt=baseline, additional_data__event__startswith="draft.")
    return [e.additional_data["event"] for e in entries.order_by("pk")]


def baseline() -> int:
    last = LogEntry.objects.order_by("-pk").first()
    return last.pk if last else 0


# --- the checks, pure --------------------------------------------------------------------------


def checks(altered: str, *, percent: int = 10) -> list[str]:
    start, end = passage_range()
    return draft_checks(
        original=ABSTRACT,
        passage=Passage(start, end),
        altered=altered,
        max_length_change_percent=percent,
    )


def test_a_change_inside_the_passage_passes_every_check() -> None:
    assert checks(altered_text()) == []


def test_the_original_itself_is_refused_as_the_altered_version() -> None:
    (message,) = checks(ABSTRACT)
    assert "is the original" in message


def test_a_change_outside_the_passage_is_named_with_where_it_starts() -> None:
    changed = altered_text().replace("BACKGROUND: We asked", "BACKGROUND: We tested")
    (message,) = checks(changed)
    assert "outside the marked passage" in message and "from character 15 " in message
    tail_changed = altered_text().replace("lights went out.", "lights went off.")
    assert "outside the marked passage" in checks(tail_changed)[0]


def test_a_passage_deleted_whole_stays_inside_it() -> None:
    start, end = passage_range()
    shortened = ABSTRACT[:start] + "Fields" + ABSTRACT[end:]
    assert "outside" not in " ".join(checks(shortened, percent=50))


def test_the_length_share_is_the_banks_and_said_in_percent() -> None:
    longer = ABSTRACT.replace(PASSAGE, PASSAGE + ", much more than expected from noise alone")
    (message,) = checks(longer)
    assert "differ in length by 42 characters (20.6%" in message and "at most 10%" in message
    assert checks(longer, percent=30) == []


@pytest.mark.parametrize(
    ("start", "end", "says"),
    [
        (None, None, "Mark the results passage"),
        ("", 10, "Mark the results passage"),
        (10, 10, "is not inside the abstract"),
        (20, 5, "is not inside the abstract"),
        (0, len(ABSTRACT) + 1, "is not inside the abstract"),
        (-1, 5, "is not inside the abstract"),
        ("1e3", 5, "whole numbers"),
    ],
)
def test_a_missing_or_impossible_passage_is_refused(start: object, end: object, says: str) -> None:
    with pytest.raises(AuthoringError) as refused:
        passage_check(abstract=ABSTRACT, start=start, end=end)
    assert says in refused.value.messages[0]


# --- the services ------------------------------------------------------------------------------


def submit(authoring: Authoring, **overrides: object) -> Draft:
    start, end = passage_range()
    values: dict[str, object] = {"start": start, "end": end, "altered": altered_text()}
    values.update(overrides)
    return draft_submit(author=authoring.author, candidate=authoring.candidate, **values)  # type: ignore[arg-type]


def test_author_submits_reviewer_returns_author_fixes_reviewer_accepts_into_the_bank(
    authoring: Authoring,
) -> None:
    since = baseline()
    draft = submit(authoring)
    assert (draft.status, draft.source, draft.author) == ("submitted", "human", authoring.author)
    returned = draft_return(reviewer=authoring.reviewer, draft=draft, comment="Say 'stable'.")
    assert (returned.status, returned.comment) == ("returned", "Say 'stable'.")
    start, end = passage_range()
    fixed_text = ABSTRACT.replace(PASSAGE, "Fields stayed stable in darkness, with no drift")
    draft_resubmit(author=authoring.author, draft=draft, start=start, end=end, altered=fixed_text)
    item = draft_accept(reviewer=authoring.reviewer, draft=draft)

    draft.refresh_from_db()
    assert (draft.status, draft.item, draft.reviewer) == ("accepted", item, authoring.reviewer)
    assert (item.bank, item.kind, item.source) == ("lab-a", "test", "human")
    assert (item.doi, item.journal_section, item.journal) == (
        "10.5555/bt.authoring.001",
        "Systems/Circuits",
        "Journal of Invented Neuroscience",
    )
    assert (item.published_first.isoformat(), item.published_last.isoformat()) == (
        "2025-06-01",
        "2025-06-30",
    )
    assert item.published_precision == "month"
    assert item.published_source.startswith("the item workbench's candidate (")
    assert (item.original, item.altered) == (ABSTRACT, fixed_text)
    assert item.differences == differences_compute(original=ABSTRACT, altered=fixed_text) != []
    assert events_since(since) == ["draft.submit", "draft.return", "draft.resubmit", "draft.accept"]
    accept = LogEntry.objects.filter(pk__gt=since, additional_data__event="draft.accept").get()
    assert accept.actor == authoring.reviewer
    assert accept.additional_data["details"]["item"] == item.pk


def test_a_reviewer_edit_is_audited_with_the_text_before_and_after(authoring: Authoring) -> None:
    draft = submit(authoring)
    since = baseline()
    start, end = passage_range()
    edited = ABSTRACT.replace(PASSAGE, "Fields held steady in darkness")
    draft_edit(
        reviewer=authoring.reviewer, draft=draft, start=start, end=end, altered=edited,
        comment="Shorter.",
    )  # fmt: skip
    draft.refresh_from_db()
    assert (draft.altered, draft.status) == (edited, "submitted")
    entry = LogEntry.objects.get(pk__gt=since, additional_data__event="draft.edit")
    assert entry.additional_data["details"]["altered_before"] == altered_text()
    assert entry.additional_data["details"]["altered"] == edited
    draft_accept(reviewer=authoring.reviewer, draft=draft)
    assert Item.objects.get(bank="lab-a").altered == edited


def test_the_author_may_not_review_their_own_draft_and_nothing_is_stored(
    authoring: Authoring,
) -> None:
    start, end = passage_range()
    draft = draft_submit(
        author=authoring.both, candidate=authoring.candidate, start=start, end=end,
        altered=altered_text(),
    )  # fmt: skip
    since = baseline()
    for decide in (
        lambda: draft_accept(reviewer=authoring.both, draft=draft),
        lambda: draft_return(reviewer=authoring.both, draft=draft, comment="no"),
        lambda: draft_edit(
            reviewer=authoring.both, draft=draft, start=start, end=end, altered=altered_text()
        ),
    ):
        with pytest.raises(DraftError) as refused:
            decide()
        assert "a second expert must review it" in refused.value.messages[0]
    draft.refresh_from_db()
    assert (draft.status, draft.reviewer) == ("submitted", None)
    assert not Item.objects.filter(bank="lab-a").exists() and events_since(since) == []


def test_the_database_refuses_a_review_by_the_author_whatever_path_writes_it(
    authoring: Authoring,
) -> None:
    draft = submit(authoring)
    with pytest.raises(IntegrityError), transaction.atomic():
        Draft.objects.filter(pk=draft.pk).update(reviewer=authoring.author)


def test_accounts_without_the_role_are_refused(authoring: Authoring) -> None:
    start, end = passage_range()
    with pytest.raises(DraftError, match="not an author of this bank"):
        draft_submit(
            author=authoring.reviewer, candidate=authoring.candidate, start=start, end=end,
            altered=altered_text(),
        )  # fmt: skip
    draft = submit(authoring)
    for user in (authoring.owner, authoring.outsider):
        with pytest.raises(DraftError, match="not a reviewer of this bank"):
            draft_accept(reviewer=user, draft=draft)
    assert Draft.objects.count() == 1 and not Item.objects.filter(bank="lab-a").exists()


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"start": None, "end": None}, "Mark the results passage"),
        ({"altered": ABSTRACT}, "is the original"),
        ({"altered": "  "}, "Write the altered version"),
        ({"altered": ABSTRACT.replace("We asked", "We tested")}, "outside the marked passage"),
        ({"altered": ABSTRACT.replace(PASSAGE, PASSAGE + " " + "x" * 60)}, "differ in length"),
        ({"altered": altered_text() + "\x00"}, "NUL"),
    ],
)
def test_bad_drafts_are_refused_with_a_message_and_store_nothing(
    authoring: Authoring, overrides: dict[str, object], says: str
) -> None:
    since = baseline()
    with pytest.raises(DraftError) as refused:
        submit(authoring, **overrides)
    assert says in " ".join(refused.value.messages)
    assert not Draft.objects.exists() and events_since(since) == []


def test_a_draft_is_decided_once_and_returned_needs_a_comment(authoring: Authoring) -> None:
    draft = submit(authoring)
    with pytest.raises(DraftError, match="Say in a comment"):
        draft_return(reviewer=authoring.reviewer, draft=draft, comment="  ")
    draft_accept(reviewer=authoring.reviewer, draft=draft)
    with pytest.raises(DraftError, match="is accepted: it cannot be returned"):
        draft_return(reviewer=authoring.reviewer, draft=draft, comment="late")
    with pytest.raises(DraftError, match="is accepted: it cannot be resubmitted"):
        start, end = passage_range()
        draft_resubmit(
            author=authoring.author, draft=draft, start=start, end=end, altered=altered_text()
        )
    assert Item.objects.filter(bank="lab-a").count() == 1


def test_the_bank_holds_one_accepted_item_per_paper_and_source(authoring: Authoring) -> None:
    first, second = submit(authoring), submit(authoring)
    draft_accept(reviewer=authoring.reviewer, draft=first)
    with pytest.raises(DraftError, match="already holds an accepted human-written item"):
        draft_accept(reviewer=authoring.reviewer, draft=second)
    second.refresh_from_db()
    assert second.status == "submitted" and Item.objects.filter(bank="lab-a").count() == 1


def test_accepting_checks_again_under_the_banks_current_rule(authoring: Authoring) -> None:
    longer = ABSTRACT.replace(PASSAGE, ALTERED_PASSAGE + " over many hours")
    AuthoringRules.objects.create(bank=authoring.bank, max_length_change_percent=20)
    draft = submit(authoring, altered=longer)
    AuthoringRules.objects.filter(bank=authoring.bank).update(max_length_change_percent=5)
    with pytest.raises(DraftError, match="at most 5%"):
        draft_accept(reviewer=authoring.reviewer, draft=draft)
    assert not Item.objects.filter(bank="lab-a").exists()


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_accepting_at_once_make_one_item(authoring: Authoring) -> None:
    draft = submit(authoring)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def accept(reviewer: User) -> None:
        try:
            barrier.wait()
            draft_accept(reviewer=reviewer, draft=draft)
            outcomes.append("accepted")
        except DraftError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connection.close()

    threads = [
        threading.Thread(target=accept, args=(user,))
        for user in (authoring.reviewer, authoring.both)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["This draft is accepted: it cannot be accepted.", "accepted"]
    assert Item.objects.filter(bank="lab-a").count() == 1
