"""Model submissions: who may submit, every refusal stores nothing, the operator's decision,
one scorer and one run however often it is approved, and a tiny model walked to "done"."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from scoring.models import ModelSubmission, Scorer, ScoreRun
from scoring.services.submissions import (
    SubmissionDecided,
    model_submission_approve,
    model_submission_hub_create,
    model_submission_local_create,
)
from tests.factories import user_make
from tests.scoring.helpers import items_make, run_in_process

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("posts_like_a_browser")]
SHA = "0123456789abcdef0123456789abcdef01234567"


def submitter_make(username: str = "lab"):  # type: ignore[no-untyped-def]
    user = user_make(username)
    user.user_permissions.add(Permission.objects.get(codename="submit_model"))
    return user


def logged_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def model_folder(tiny_model_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "submitted-model"
    shutil.copytree(tiny_model_dir, copy)
    (copy / "README.md").write_text("---\nlicense: mit\n---\nA tiny test model.\n")
    return copy


def submit(client: Client, **fields: str):  # type: ignore[no-untyped-def]
    data = {"license": "apache-2.0", **fields}
    return client.post(reverse("dashboard:submission_create"), data)


def submitted_scorers():  # type: ignore[no-untyped-def]
    """Scorers made by approvals (a data migration adds the bundled default one)."""
    return Scorer.objects.filter(name__startswith="submission-")


def nothing_stored() -> bool:
    events = LogEntry.objects.filter(additional_data__event__startswith="model_submission.")
    return not ModelSubmission.objects.exists() and not events.exists()


def test_a_submitter_submits_a_hub_revision_and_the_audit_log_records_it() -> None:
    lab = submitter_make()
    response = submit(logged_in(lab), hub_id="my-lab/neuro-1b", revision=SHA)
    submission = ModelSubmission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:submission_detail", args=[submission.pk])
    assert (submission.submitter, submission.source, submission.state) == (
        lab,
        f"my-lab/neuro-1b@{SHA}",
        "submitted",
    )
    entry = LogEntry.objects.get(additional_data__event="model_submission.submit")
    assert entry.actor == lab and entry.additional_data["details"]["license"] == "apache-2.0"


def test_a_researcher_without_the_permission_is_refused_with_a_reason() -> None:
    researcher = user_make("researcher")
    response = submit(logged_in(researcher), hub_id="my-lab/neuro-1b", revision=SHA)
    assert response.status_code == 403
    assert "may not submit models" in response.content.decode()
    assert nothing_stored()
    page = logged_in(researcher).get(reverse("dashboard:submission_create"))
    assert page.status_code == 403 and "may not submit models" in page.content.decode()
    assert (
        logged_in(submitter_make()).get(reverse("dashboard:submission_create")).status_code == 200
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"hub_id": "not an id", "revision": SHA}, "A hub id is owner/name"),
        ({"hub_id": "a/b", "revision": "main"}, "is a branch, which moves"),
        ({"hub_id": "a/b", "revision": "v1", "license": ""}, "This field is required"),
        ({"hub_id": "a/b", "revision": "v1", "license": "mit\x00"}, "Null characters"),
        ({"hub_id": "a/b", "revision": "v1", "license": "<b>mit</b>"}, "short name"),
        ({"revision": SHA}, "Give a hub id and revision"),
        ({"hub_id": "a/b", "revision": "v1", "local_path": "/tmp"}, "Give a hub id"),
    ],
)
def test_a_malformed_submission_is_refused_and_stores_nothing(fields, message) -> None:
    response = submit(logged_in(submitter_make()), **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert nothing_stored()


def test_a_second_submission_of_the_same_revision_is_refused() -> None:
    client = logged_in(submitter_make())
    assert submit(client, hub_id="my-lab/neuro-1b", revision="v1.0").status_code == 302
    response = submit(logged_in(submitter_make("other")), hub_id="my-lab/neuro-1b", revision="v1.0")
    assert response.status_code == 400
    assert "was submitted already" in response.content.decode()
    assert ModelSubmission.objects.count() == 1
    assert LogEntry.objects.filter(additional_data__event="model_submission.submit").count() == 1


def test_the_database_refuses_a_duplicate_revision_whatever_the_code_does() -> None:
    from django.db import IntegrityError

    lab = submitter_make()
    fields = {"submitter": lab, "hub_id": "a/b", "revision": "v1", "license": "mit"}
    ModelSubmission.objects.create(display_name="one", **fields)
    with pytest.raises(IntegrityError):
        ModelSubmission.objects.create(display_name="two", **fields)


def test_a_submitter_reads_only_their_own_submissions() -> None:
    mine = model_submission_hub_create(
        user=submitter_make(), hub_id="a/b", revision="v1", license="mit"
    )
    other = logged_in(submitter_make("other"))
    assert other.get(reverse("dashboard:submission_detail", args=[mine.pk])).status_code == 404
    assert "a/b@v1" not in other.get(reverse("dashboard:submission_list")).content.decode()
    for action in ("submission_approve", "submission_reject"):
        response = other.post(reverse(f"dashboard:{action}", args=[mine.pk]), {"reason": "x"})
        assert response.status_code == 404
    mine.refresh_from_db()
    assert mine.status == "submitted"


def test_only_the_operator_submits_a_local_folder(model_folder: Path) -> None:
    response = submit(logged_in(submitter_make()), local_path=str(model_folder))
    assert response.status_code == 403  # the field is not even offered to a lab
    assert "Only the operator" in response.content.decode()
    with pytest.raises(PermissionDenied):
        model_submission_local_create(
            user=submitter_make("lab2"), local_path=str(model_folder), license="mit"
        )
    assert nothing_stored()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("pickle", "Pickle checkpoint files are not accepted"),
        ("remote code", "remote code"),
        ("over size", "over the limit"),
    ],
)
def test_an_unsafe_folder_is_refused_with_a_clear_message(
    model_folder: Path, settings, damage: str, message: str
) -> None:
    if damage == "pickle":
        (model_folder / "pytorch_model.bin").write_bytes(b"\x80\x04K\x01.")
    elif damage == "remote code":
        config = json.loads((model_folder / "config.json").read_text())
        config["auto_map"] = {"AutoModelForCausalLM": "modeling_x.X"}
        (model_folder / "config.json").write_text(json.dumps(config))
    else:
        settings.MODEL_SUBMISSION_MAX_BYTES = 1000
    response = submit(logged_in(user_make("boss", staff=True)), local_path=str(model_folder))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert nothing_stored()


def test_the_same_folder_content_is_submitted_once(model_folder: Path, tmp_path: Path) -> None:
    boss = user_make("boss", staff=True)
    model_submission_local_create(user=boss, local_path=str(model_folder), license="mit")
    twin = tmp_path / "twin"
    shutil.copytree(model_folder, twin)
    response = submit(logged_in(boss), local_path=str(twin))
    assert response.status_code == 400 and "was submitted already" in response.content.decode()
    assert ModelSubmission.objects.count() == 1


def test_rejection_needs_a_reason_and_the_submitter_reads_it() -> None:
    lab = submitter_make()
    submission = model_submission_hub_create(user=lab, hub_id="a/b", revision="v1", license="mit")
    boss = logged_in(user_make("boss", staff=True))
    url = reverse("dashboard:submission_reject", args=[submission.pk])
    assert boss.post(url, {"reason": ""}).status_code == 400
    assert boss.post(url, {"reason": "The licence forbids evaluation."}).status_code == 302
    page = logged_in(lab).get(reverse("dashboard:submission_detail", args=[submission.pk]))
    assert "The licence forbids evaluation." in page.content.decode()
    assert boss.post(url, {"reason": "again"}).status_code == 409
    approve = reverse("dashboard:submission_approve", args=[submission.pk])
    response = boss.post(approve, {"local_path": ""})
    assert response.status_code == 409 and "was rejected already" in response.content.decode()
    assert LogEntry.objects.filter(additional_data__event="model_submission.reject").count() == 1


def test_a_submitter_may_not_approve_their_own_submission(model_folder: Path) -> None:
    lab = submitter_make()
    submission = model_submission_hub_create(user=lab, hub_id="a/b", revision="v1", license="mit")
    url = reverse("dashboard:submission_approve", args=[submission.pk])
    response = logged_in(lab).post(url, {"local_path": str(model_folder)})
    assert response.status_code == 403
    assert not submitted_scorers().exists() and not ScoreRun.objects.exists()


def test_a_hub_approval_checks_the_downloaded_folder(model_folder: Path) -> None:
    items_make(2)
    lab = submitter_make()
    submission = model_submission_hub_create(user=lab, hub_id="a/b", revision="v1", license="mit")
    (model_folder / "pytorch_model.bin").write_bytes(b"\x80\x04K\x01.")
    boss = logged_in(user_make("boss", staff=True))
    url = reverse("dashboard:submission_approve", args=[submission.pk])
    response = boss.post(url, {"local_path": str(model_folder)})
    assert response.status_code == 400 and "Pickle" in response.content.decode()
    assert not submitted_scorers().exists() and not ScoreRun.objects.exists()
    submission.refresh_from_db()
    assert submission.status == "submitted"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_approvals_make_one_scorer_and_one_run(model_folder: Path) -> None:
    items_make(3)
    boss = user_make("boss", staff=True)
    other_boss = user_make("boss2", staff=True)
    submission = model_submission_local_create(
        user=boss, local_path=str(model_folder), license="mit"
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(user) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            model_submission_approve(user=user, submission_id=submission.pk, enqueue=False)
            outcomes.append("approved")
        except SubmissionDecided:
            outcomes.append("decided already")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(user,)) for user in (boss, other_boss)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["approved", "decided already"]
    assert submitted_scorers().count() == 1 and ScoreRun.objects.count() == 1
    assert ScoreRun.objects.get().status == "queued"
    assert LogEntry.objects.filter(additional_data__event="model_submission.approve").count() == 1


def test_a_local_model_is_submitted_approved_scored_and_done(model_folder: Path, settings) -> None:
    settings.SCORING_CHUNK_SIZE = 2
    items = items_make(3)
    boss = user_make("boss", staff=True)
    client = logged_in(boss)
    assert submit(client, local_path=str(model_folder), license="mit").status_code == 302
    submission = ModelSubmission.objects.get()
    assert (submission.model_type, submission.card_license) == ("gpt2", "mit")
    detail = reverse("dashboard:submission_detail", args=[submission.pk])
    review = client.get(reverse("dashboard:submission_review")).content.decode()
    assert detail in review

    model_submission_approve(user=boss, submission_id=submission.pk, enqueue=False)
    submission.refresh_from_db()
    assert submission.state == "queued"
    page = client.get(detail).content.decode()
    assert "the scoring queue" in page and "provisional" in page

    run_in_process(submission.run)
    submission = ModelSubmission.objects.select_related("run").get()
    assert submission.state == "done"
    assert submission.run.n_done == len(items)
    assert submission.scorer.scores.count() == len(items)
    page = client.get(detail).content.decode()
    assert "Done: 3 of 3 items scored." in page and "provisional" not in page
    events = LogEntry.objects.filter(additional_data__event__startswith="model_submission.")
    assert sorted(events.values_list("additional_data__event", flat=True)) == [
        "model_submission.approve",
        "model_submission.submit",
    ]


def test_the_approval_needs_the_files_it_was_submitted_with(model_folder: Path) -> None:
    items_make(1)
    boss = user_make("boss", staff=True)
    submission = model_submission_local_create(
        user=boss, local_path=str(model_folder), license="mit"
    )
    (model_folder / "tokenizer.json").write_text("{}")
    with pytest.raises(ValidationError, match="changed since it was submitted"):
        model_submission_approve(user=boss, submission_id=submission.pk, enqueue=False)
    assert not submitted_scorers().exists()


def test_with_the_queue_down_an_approval_creates_nothing_and_says_so(
    model_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scoring.services import start
    from scoring.services.queue import QueueUnavailable

    def down() -> None:
        raise QueueUnavailable("The scoring queue is unavailable right now.")

    monkeypatch.setattr(start, "score_queue_check", down)
    items_make(1)
    boss = user_make("boss", staff=True)
    submission = model_submission_local_create(
        user=boss, local_path=str(model_folder), license="mit"
    )
    url = reverse("dashboard:submission_approve", args=[submission.pk])
    response = logged_in(boss).post(url, {})
    assert response.status_code == 503
    assert "scoring queue is unavailable" in response.content.decode()
    assert not submitted_scorers().exists() and not ScoreRun.objects.exists()
    submission.refresh_from_db()
    assert submission.status == "submitted"


def test_the_admin_lists_submissions_and_changes_none() -> None:
    from django.contrib.auth import get_user_model

    model_submission_hub_create(user=submitter_make(), hub_id="a/b", revision="v1", license="mit")
    admin = get_user_model().objects.create_superuser("root", "root@example.org", None)
    page = logged_in(admin).get(reverse("admin:scoring_modelsubmission_changelist"))
    assert page.status_code == 200 and "a/b@v1" in page.content.decode()
    assert logged_in(admin).get(reverse("admin:scoring_modelsubmission_add")).status_code == 403
