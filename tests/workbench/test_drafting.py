"""Items drafted by a language model: a tiny random GPT-2 built in the test, greedy and bounded,
in this process and on a real Celery worker of the scoring queue. A model's draft passes the
same checks and the same review as a person's, and is never accepted by itself."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from auditlog.models import LogEntry
from django.db import IntegrityError, transaction
from django.urls import reverse

from braintrial.items.models import Item
from braintrial.workbench.drafting import draft_model_process, draft_model_request
from braintrial.workbench.drafts import DraftError, draft_accept, draft_resubmit
from braintrial.workbench.models import Draft, DraftPrompt
from scoring.models import Scorer
from scoring.services.scorers import scorer_create
from tests.conftest import REDIS_GROUP
from tests.scoring.helpers import Worker, broker_use, wait_for

from .conftest import ABSTRACT, PASSAGE, Authoring, altered_text, client_for, passage_range

# Every test here sends to, or consumes from, the scoring queue of TEST_REDIS_URL's database:
# one xdist worker runs them all, with every other test that does (tests/conftest.py), or one
# test's worker would take another's tasks.
pytestmark = pytest.mark.xdist_group(REDIS_GROUP)

TEMPLATE = (
    "Abstract: <abstract>\n"
    "Rewrite this results passage so that it reports the opposite: <passage>\nRewritten:"
)


def drafter(model_dir: Path, *, max_new_tokens: int, name: str = "tiny-drafter") -> Scorer:
    scorer = scorer_create(name=name, model_source=str(model_dir), device="cpu")
    DraftPrompt.objects.create(scorer=scorer, template=TEMPLATE, max_new_tokens=max_new_tokens)
    return scorer


def request(authoring: Authoring, scorer: Scorer) -> Draft:
    start, end = passage_range()
    return draft_model_request(
        author=authoring.author,
        candidate=authoring.candidate,
        start=start,
        end=end,
        scorer_id=scorer.pk,
    )


def events(draft: Draft) -> list[str]:
    entries = LogEntry.objects.filter(
        object_pk=str(draft.pk), additional_data__details__draft=draft.pk
    ).order_by("pk")
    return [e.additional_data["event"] for e in entries]


@pytest.mark.django_db
def test_a_model_draft_that_passes_the_checks_goes_to_review_and_is_accepted_only_by_a_person(
    authoring: Authoring, tiny_model_dir: Path
) -> None:
    draft = request(authoring, drafter(tiny_model_dir, max_new_tokens=24))
    assert (draft.status, draft.source, draft.altered) == ("drafting", "llm", "")

    assert draft_model_process(draft_id=draft.pk) == "submitted"
    draft.refresh_from_db()
    start, end = passage_range()
    # The model's words replace the passage only; the rest of the abstract is the original's.
    assert draft.altered.startswith(ABSTRACT[:start]) and draft.altered.endswith(ABSTRACT[end:])
    assert PASSAGE not in draft.altered and draft.failed_checks == []
    assert not Item.objects.filter(bank="lab-a").exists()  # submitted, not accepted
    # Greedy: a second delivery of the task finds it drafted and writes nothing.
    assert draft_model_process(draft_id=draft.pk) == "submitted"
    assert events(draft) == ["draft.request", "draft.submit"]

    # The requester is its author: a second expert reviews it.
    with pytest.raises(DraftError, match="second expert"):
        draft_accept(reviewer=authoring.author, draft=draft)
    item = draft_accept(reviewer=authoring.reviewer, draft=draft)
    assert (item.source, item.altered, item.doi) == ("llm", draft.altered, authoring.candidate.doi)


@pytest.mark.django_db
def test_a_model_draft_that_fails_a_check_is_kept_with_the_failing_check_for_its_author(
    authoring: Authoring, tiny_model_dir: Path
) -> None:
    # One new token: the passage shrinks to a word or two, past the bank's 10% length rule.
    draft = request(authoring, drafter(tiny_model_dir, max_new_tokens=1))
    assert draft_model_process(draft_id=draft.pk) == "drafted"
    draft.refresh_from_db()
    assert draft.status == "drafted" and draft.altered
    (failed,) = draft.failed_checks
    assert "differ in length" in failed and "at most 10%" in failed
    with pytest.raises(DraftError, match="cannot be accepted"):
        draft_accept(reviewer=authoring.reviewer, draft=draft)
    assert not Item.objects.filter(bank="lab-a").exists()
    # Its author's page shows the failing check and the form to fix it.
    page = client_for(authoring.author).get(
        reverse("dashboard:workbench_draft", args=["lab-a", draft.pk])
    )
    html = page.content.decode()
    assert 'id="checks-failed"' in html and "differ in length" in html
    assert "Resubmit for review" in html and "(model-drafted)" in html

    start, end = passage_range()
    draft_resubmit(
        author=authoring.author, draft=draft, start=start, end=end, altered=altered_text()
    )
    draft.refresh_from_db()
    assert (draft.status, draft.failed_checks, draft.source) == ("submitted", [], "llm")
    assert events(draft) == ["draft.request", "draft.drafted", "draft.submit"]


@pytest.mark.django_db
def test_a_model_that_cannot_load_fails_the_draft_and_says_why(
    authoring: Authoring, tmp_path: Path
) -> None:
    draft = request(authoring, drafter(tmp_path / "no-model-here", max_new_tokens=4))
    assert draft_model_process(draft_id=draft.pk) == "failed"
    draft.refresh_from_db()
    assert "no-model-here" in draft.error and draft.altered == ""
    assert events(draft) == ["draft.request", "draft.failed"]


@pytest.mark.django_db
def test_a_prompt_removed_before_the_worker_runs_fails_the_draft_not_the_task(
    authoring: Authoring, tiny_model_dir: Path
) -> None:
    scorer = drafter(tiny_model_dir, max_new_tokens=4)
    draft = request(authoring, scorer)
    DraftPrompt.objects.filter(scorer=scorer).delete()
    assert draft_model_process(draft_id=draft.pk) == "failed"
    draft.refresh_from_db()
    assert "has no drafting prompt any more" in draft.error


@pytest.mark.django_db
def test_a_model_draft_request_is_refused_without_passage_model_or_role(
    authoring: Authoring, tiny_model_dir: Path
) -> None:
    scorer = drafter(tiny_model_dir, max_new_tokens=4)
    plain = scorer_create(name="no-prompt", model_source=str(tiny_model_dir), device="cpu")
    start, end = passage_range()
    author, reviewer = authoring.author, authoring.reviewer
    refusals = [
        ({"author": author, "start": None, "end": None, "scorer_id": scorer.pk}, "Mark the"),
        ({"author": author, "start": start, "end": end, "scorer_id": plain.pk}, "drafting prompt"),
        ({"author": reviewer, "start": start, "end": end, "scorer_id": scorer.pk}, "not an author"),
    ]
    for kwargs, says in refusals:
        with pytest.raises(DraftError, match=says):
            draft_model_request(candidate=authoring.candidate, **kwargs)  # type: ignore[arg-type]
    assert not Draft.objects.exists()


@pytest.mark.django_db
def test_a_drafting_prompt_names_where_the_abstract_and_the_passage_go(
    tiny_model_dir: Path,
) -> None:
    scorer = scorer_create(name="tiny-prompt", model_source=str(tiny_model_dir), device="cpu")
    for template, tokens in (("Abstract: <abstract>", 10), (TEMPLATE, 0), (TEMPLATE, 5000)):
        with pytest.raises(IntegrityError), transaction.atomic():
            DraftPrompt.objects.create(scorer=scorer, template=template, max_new_tokens=tokens)


# --- a real worker --------------------------------------------------------------------------------


@pytest.fixture
def redis_broker() -> Iterator[str]:
    """This session's own Redis database (TEST_REDIS_URL), flushed before and after."""
    base = urlsplit(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))
    url = urlunsplit((base.scheme, base.netloc, base.path or "/0", "", ""))
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is needed for the worker test at {url}: {exc}")
    client.flushdb()
    with broker_use(url, {"visibility_timeout": 3600}):
        yield url
    client.flushdb()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_scoring_worker_drafts_the_item_with_the_tiny_model(
    authoring: Authoring, tiny_model_dir: Path, redis_broker: str, tmp_path: Path
) -> None:
    worker = Worker(broker_url=redis_broker, log_path=tmp_path / "worker.log", env={})
    worker.start()
    try:
        draft = request(authoring, drafter(tiny_model_dir, max_new_tokens=24))

        def done() -> bool:
            draft.refresh_from_db()
            return draft.status != "drafting"

        wait_for(done, timeout=180, what=worker.log())
    finally:
        worker.stop()
    assert draft.status == "submitted", (draft.error, worker.log())
    assert "braintrial.workbench.tasks.draft_generate" in worker.log(tail=10**6)
    # The same greedy text as in this process.
    expected = Draft.objects.create(
        candidate=draft.candidate, author=authoring.author, source="llm",
        drafted_with=draft.drafted_with, passage_start=draft.passage_start,
        passage_end=draft.passage_end, status="drafting",
    )  # fmt: skip
    draft_model_process(draft_id=expected.pk)
    expected.refresh_from_db()
    assert draft.altered == expected.altered


@pytest.mark.django_db
@pytest.mark.usefixtures("posts_like_a_browser")
def test_the_authoring_page_offers_the_models_with_a_prompt_and_asks_one(
    authoring: Authoring, tiny_model_dir: Path
) -> None:
    scorer = drafter(tiny_model_dir, max_new_tokens=4)
    scorer_create(name="no-prompt", model_source=str(tiny_model_dir), device="cpu")
    url = reverse("dashboard:workbench_draft_write", args=["lab-a", authoring.candidate.pk])
    page = client_for(authoring.author).get(url).content.decode()
    assert f'<option value="{scorer.pk}">tiny-drafter</option>' in page
    assert "no-prompt" not in page
    start, end = passage_range()
    ask = reverse("dashboard:workbench_draft_model", args=["lab-a", authoring.candidate.pk])
    refused = client_for(authoring.author).post(ask, {"scorer": scorer.pk})
    assert refused.status_code == 400 and "Mark the results passage" in refused.content.decode()
    asked = client_for(authoring.author).post(
        ask, {"scorer": scorer.pk, "passage_start": start, "passage_end": end}
    )
    draft = Draft.objects.get()
    assert asked.status_code == 302
    assert (draft.status, draft.source, draft.drafted_with) == ("drafting", "llm", scorer)
    assert events(draft) == ["draft.request"]
