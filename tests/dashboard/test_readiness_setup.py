"""Readiness where researchers set a study up (issue 21): the settings form, the API and the
admin refuse to open a study its bank cannot serve, with the numbers; new studies start closed;
the study pages say "not ready" and why; the texts' numbers are checked; the bank page lists
the items the importer flagged."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from braintrial.items.models import Item
from braintrial.studies.models import Study
from tests.participants.conftest import ensure_builtin_items

from .conftest import World, login
from .test_setup import new_study_fields, settings_of

pytestmark = pytest.mark.django_db
TOO_MANY = (
    "The bank &#x27;tiny&#x27; holds 12 human-written test cases; this asks for 20 per participant."
)


@pytest.fixture
def editor(world: World) -> Client:
    ensure_builtin_items()
    world.researcher.user_permissions.add(  # type: ignore[attr-defined]
        *Permission.objects.filter(
            content_type__app_label="studies", codename__in=["add_study", "change_study"]
        )
    )
    return login(world.researcher)


def test_the_settings_form_refuses_to_open_a_study_its_bank_cannot_serve(
    world: World, editor: Client
) -> None:
    """Issue 21: 10 human-written cases on a bank of 5 said "Settings saved." and stayed open."""
    url = reverse("dashboard:study_edit", args=[world.study.slug])
    response = editor.post(url, settings_of(world.study, is_open=True, n_human_trials=20))
    assert response.status_code == 400
    page = response.content.decode()
    assert TOO_MANY in page
    assert "Settings saved." not in page and "Nothing was saved" in page
    world.study.refresh_from_db()
    assert (world.study.is_open, world.study.n_human_trials) == (False, 6)


def test_saved_closed_an_unready_study_says_why_it_cannot_open(
    world: World, editor: Client
) -> None:
    url = reverse("dashboard:study_edit", args=[world.study.slug])
    response = editor.post(url, settings_of(world.study, n_human_trials=20), follow=True)
    page = response.content.decode()
    assert "Settings saved." in page
    assert "Not ready, so the study stays closed: " + TOO_MANY in page
    # The study page shows it too, with the reasons, and the list marks it.
    assert "<strong>Not ready</strong>: the study cannot open yet." in page
    listing = editor.get(reverse("dashboard:study_list")).content.decode()
    assert 'class="pill pill-notready" title="' + TOO_MANY in listing


def test_a_ready_study_opens(world: World, editor: Client) -> None:
    url = reverse("dashboard:study_edit", args=[world.study.slug])
    response = editor.post(url, settings_of(world.study, is_open=True), follow=True)
    assert response.redirect_chain and "Settings saved." in response.content.decode()
    assert "Ready: the link admits new participants." in response.content.decode()
    world.study.refresh_from_db()
    assert world.study.is_open


def test_a_new_study_starts_closed_and_the_form_offers_it_closed(
    world: World, editor: Client
) -> None:
    form = editor.get(reverse("dashboard:study_create")).content.decode()
    assert 'name="is_open" id="id_is_open" checked' not in form
    response = editor.post(reverse("dashboard:study_create"), new_study_fields(), follow=True)
    page = response.content.decode()
    assert "Study ecology created." in page
    assert "Not ready, so the study stays closed: The bank &#x27;bank-ecology&#x27; holds 0" in page
    assert not Study.objects.get(slug="ecology").is_open
    refused = editor.post(reverse("dashboard:study_create"), new_study_fields("eco2", is_open=True))
    assert refused.status_code == 400
    assert "holds 0 human-written test cases; this asks for 6" in refused.content.decode()
    assert not Study.objects.filter(slug="eco2").exists()


def test_an_unknown_placeholder_is_a_form_error(world: World, editor: Client) -> None:
    url = reverse("dashboard:study_edit", args=[world.study.slug])
    fields = settings_of(world.study, consent_text="About {minuts} minutes.")
    response = editor.post(url, fields)
    assert response.status_code == 400
    assert "Unknown placeholder {minuts}: the app fills only {pairs}, {trials}, {minutes}." in (
        response.content.decode()
    )
    world.study.refresh_from_db()
    assert "{minuts}" not in world.study.consent_text


def test_the_preview_fills_the_numbers_and_warns_of_a_different_duration(
    world: World, editor: Client
) -> None:
    url = reverse("dashboard:study_edit", args=[world.study.slug])
    fields = settings_of(
        world.study,
        consent_text="It takes about 30 minutes.",
        instructions_text="You will answer {trials} trials in about {minutes} minutes.",
        preview="1",
    )
    page = editor.post(url, fields).content.decode()
    assert "You will answer 11 trials in about 22 minutes." in page
    assert (
        "The consent text states 30 minutes, but the landing page tells participants about "
        "22 minutes. Write {minutes} to state the study&#x27;s own figure."
    ) in page
    assert "The instructions text states" not in page


def test_the_bank_page_lists_the_flagged_items_with_the_reason(
    world: World, editor: Client
) -> None:
    item = Item.objects.filter(bank="tiny", kind=Item.Kind.TEST).order_by("pk").first()
    assert item is not None
    Item.objects.filter(pk=item.pk).update(defect="Garbled: the combined abstract is cut short.")
    page = editor.get(reverse("dashboard:study_items", args=[world.study.slug])).content.decode()
    assert "Items flagged as defective (1)" in page
    assert f"{item.source_file} row {item.row}" in page
    assert "Garbled: the combined abstract is cut short." in page
    assert "This study keeps them out of the assignment" in page


def test_the_api_creates_studies_closed_and_refuses_an_open_unready_one(
    world: World, editor: Client
) -> None:
    url = reverse("api:study_create")
    body = {"slug": "api-eco", "title": "API eco", "bank": "api-eco"}
    created = editor.post(url, body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["is_open"] is False
    readiness = created.json()["readiness"]
    assert (readiness["ready"], readiness["can_open"]) == (False, False)
    assert readiness["reasons"] == [
        "The bank 'api-eco' holds 0 human-written test cases; this asks for 6 per participant.",
        "The bank 'api-eco' holds 0 GPT-4-written test cases; this asks for 3 per participant.",
        "The study is closed: its link admits no one.",
    ]
    refused = editor.post(
        url, {**body, "slug": "api-eco2", "is_open": True}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert refused.json()["n_human_trials"][0].startswith(
        "The bank 'api-eco' holds 0 human-written test cases; this asks for 6 per participant."
    )
    assert not Study.objects.filter(slug="api-eco2").exists()


def test_the_admin_refuses_to_open_an_unready_study(world: World) -> None:
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", password="a-long-pass-7")
    client = Client()
    client.force_login(admin)
    url = reverse("admin:studies_study_change", args=[world.study.pk])
    form = client.get(url).context["adminform"].form
    data: dict[str, object] = {}
    for name in form.fields:
        value = form.initial.get(name)
        if value is True:
            data[name] = "on"
        elif name == "researchers":
            data[name] = [user.pk for user in value]
        elif value not in (False, None):
            data[name] = value
    data.update(is_open="on", n_human_trials="20")
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the error
    assert "holds 12 human-written test cases; this asks for 20" in response.content.decode()
    world.study.refresh_from_db()
    assert not world.study.is_open and world.study.n_human_trials == 6
