"""demo_setup: the quick start's demo study and researcher, created once."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from braintrial.studies.models import Study

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("demo_setup", *args, stdout=out)
    return out.getvalue()


def test_creates_open_demo_study_with_researcher_and_prints_links() -> None:
    output = run("--host", "example.org", "--port", "8123")
    study = Study.objects.get(slug="demo")
    assert study.title == "BrainBench demo study"
    assert study.is_open
    assert study.skip_flagged_items  # no participant of the demo sees a flagged item
    assert study.completion_code
    user = get_user_model().objects.get(username="researcher")
    assert list(study.researchers.all()) == [user]
    assert "http://example.org:8123/s/demo/" in output
    password = re.search(r"user researcher, password (\S+)", output)
    assert password is not None
    assert user.check_password(password.group(1))


def test_second_run_keeps_study_code_and_password() -> None:
    run("--password", "a-Long-demo-passphrase")
    code = Study.objects.get(slug="demo").completion_code
    output = run()
    assert "existing password kept" in output
    assert Study.objects.filter(slug="demo").count() == 1
    assert Study.objects.get(slug="demo").completion_code == code
    user = get_user_model().objects.get(username="researcher")
    assert user.check_password("a-Long-demo-passphrase")


def test_reset_password_sets_the_given_password() -> None:
    run()
    run("--reset-password", "--password", "another-Long-passphrase")
    user = get_user_model().objects.get(username="researcher")
    assert user.check_password("another-Long-passphrase")


def test_weak_password_is_refused_and_nothing_is_created() -> None:
    with pytest.raises(CommandError, match="Password refused"):
        run("--password", "abc")
    assert not Study.objects.filter(slug="demo").exists()
    assert not get_user_model().objects.filter(username="researcher").exists()


def test_researcher_reads_the_published_study_when_it_was_imported() -> None:
    output = run()
    assert "Published data" not in output
    published = Study.objects.create(slug="brainbench-2024", title="Published", bank="brainbench")
    output = run()
    user = get_user_model().objects.get(username="researcher")
    assert list(published.researchers.all()) == [user]
    assert "http://127.0.0.1:8000/dashboard/brainbench-2024/" in output


def test_prints_an_admin_login_that_works_and_lets_the_researcher_set_studies_up() -> None:
    output = run()
    found = re.search(r"user admin, password (\S+)", output)
    assert found is not None
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password(found.group(1))
    assert "/admin/" in output
    researcher = get_user_model().objects.get(username="researcher")
    assert researcher.has_perm("studies.add_study")
    assert researcher.has_perm("studies.change_study")
    again = run()
    assert "user admin, existing password kept" in again


def test_the_demo_study_names_a_contact_and_refuses_a_malformed_one() -> None:
    """Issue 28: the demo's privacy notice named no one to ask."""
    with pytest.raises(CommandError, match="Contact address refused"):
        run("--contact", "not an address")
    assert not Study.objects.filter(slug="demo").exists()
    run()
    assert Study.objects.get(slug="demo").contact_email == "researcher@localhost"
