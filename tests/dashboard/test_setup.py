"""Study setup in the dashboard: who may create and change a study, the settings form, the
item CSV check and import, co-researchers, the participant link and its QR code."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from braintrial.dashboard.setup.forms import STUDY_FIELDS
from braintrial.items.models import Item, ItemBank
from braintrial.studies.models import Study
from tests.factories import user_make

from .conftest import World, login

pytestmark = pytest.mark.django_db
FIXTURE = Path(__file__).parents[1] / "items" / "fixtures" / "ecology_items.csv"
HEADER = "doi,journal_section,original_abstract,incorrect_abstract\n"


def grant(user, *codenames: str) -> None:
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="studies", codename__in=codenames)
    )


def settings_of(study: Study, **changes: object) -> dict[str, object]:
    """The settings form's fields as a browser posts them (unchecked boxes left out)."""
    values = {
        **{name: getattr(study, name) for name in STUDY_FIELDS if name != "slug"},
        **changes,
    }
    # An empty number field (a blank planned number of participants) is posted as "".
    values = {k: "" if v is None else v for k, v in values.items()}
    return {k: ("on" if v is True else v) for k, v in values.items() if v is not False}


def new_study_fields(slug: str = "ecology", **changes: object) -> dict[str, object]:
    return settings_of(
        Study(slug=slug, title="Ecology pilot", bank=f"bank-{slug}"), slug=slug, **changes
    )


@pytest.fixture
def editor(world: World) -> Client:
    grant(world.researcher, "add_study", "change_study")
    return login(world.researcher)


def test_creating_a_study_needs_the_add_permission(world: World) -> None:
    url = reverse("dashboard:study_create")
    assert login(world.researcher).get(url).status_code == 403
    assert login(world.researcher).post(url, new_study_fields()).status_code == 403
    assert not Study.objects.filter(slug="ecology").exists()
    # Staff status alone is no permission either.
    assert login(world.staff).post(url, new_study_fields()).status_code == 403


def test_created_study_names_its_creator_and_leads_to_its_items(
    world: World, editor: Client
) -> None:
    response = editor.post(reverse("dashboard:study_create"), new_study_fields())
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:study_items", args=["ecology"])
    study = Study.objects.get(slug="ecology")
    assert list(study.researchers.all()) == [world.researcher]
    assert study.bank == "bank-ecology" and study.title == "Ecology pilot"


def test_invalid_settings_store_nothing_and_say_which_field(world: World, editor: Client) -> None:
    fields = new_study_fields(n_human_trials=0, n_gpt4_trials=0, completion_url="not a url")
    response = editor.post(reverse("dashboard:study_create"), fields)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert "Enter a valid URL." in page
    assert not Study.objects.filter(slug="ecology").exists()
    taken = editor.post(reverse("dashboard:study_create"), new_study_fields(slug="tiny"))
    assert taken.status_code == 400
    assert Study.objects.filter(slug="tiny").count() == 1


def test_preview_shows_the_texts_as_participants_read_them_and_saves_nothing(
    world: World, editor: Client
) -> None:
    url = reverse("dashboard:study_edit", args=[world.study.slug])
    fields = settings_of(world.study, consent_text="First paragraph.\n\n<b>Second</b>", preview="1")
    response = editor.post(url, fields)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<p>First paragraph.</p>" in page and "&lt;b&gt;Second&lt;/b&gt;" in page
    world.study.refresh_from_db()
    assert "First paragraph" not in world.study.consent_text


def test_researcher_with_change_permission_edits_settings_and_closes_the_study(
    world: World, editor: Client
) -> None:
    url = reverse("dashboard:study_edit", args=[world.study.slug])
    assert editor.get(url).status_code == 200
    done = "https://app.prolific.com/submissions/complete?cc=X"
    fields = settings_of(
        world.study, is_open=False, min_rt_ms=3000, prolific_mode=True, completion_url=done
    )
    assert editor.post(url, fields).status_code == 302
    world.study.refresh_from_db()
    assert not world.study.is_open and world.study.min_rt_ms == 3000 and world.study.prolific_mode
    page = editor.get(reverse("dashboard:study_detail", args=[world.study.slug])).content.decode()
    assert "Closed to new participants" in page
    assert "Live" not in page


def test_who_may_not_change_a_study(world: World) -> None:
    url = reverse("dashboard:study_edit", args=[world.study.slug])
    # A researcher of the study without the permission may read it, not change it.
    assert login(world.researcher).get(url).status_code == 403
    # A researcher of another study (with the permission) learns nothing of it.
    grant(world.other_researcher, "change_study")
    assert login(world.other_researcher).get(url).status_code == 404
    # Staff with the permission but not among the study's researchers may not change it.
    grant(world.staff, "change_study")
    fields = settings_of(world.study, title="Taken over")
    assert login(world.staff).post(url, fields).status_code in (403, 404)
    world.study.refresh_from_db()
    assert world.study.title == "Tiny study"


def test_an_invitation_takes_effect_only_when_the_invited_user_accepts(
    world: World, editor: Client
) -> None:
    guest = user_make("gina")
    page_url = reverse("dashboard:study_detail", args=[world.study.slug])
    url = reverse("dashboard:study_invite", args=[world.study.slug])
    assert editor.post(url, {"username": "gina"}).status_code == 302
    assert login(guest).get(page_url).status_code == 404  # nobody is added without asking
    guest_client = login(guest)
    listing = guest_client.get(reverse("dashboard:study_list")).content.decode()
    assert "invites you to" in listing and world.study.title in listing
    invitation = world.study.invitations.get()
    answer = reverse("dashboard:invitation_answer", args=[invitation.pk])
    assert guest_client.post(answer, {"answer": "accept"}).status_code == 302
    assert guest_client.get(page_url).status_code == 200
    assert not world.study.invitations.exists()


def test_a_declined_invitation_adds_nobody_and_others_cannot_answer_it(
    world: World, editor: Client
) -> None:
    guest, other = user_make("gina"), user_make("not-invited")
    editor.post(reverse("dashboard:study_invite", args=[world.study.slug]), {"username": "gina"})
    answer = reverse("dashboard:invitation_answer", args=[world.study.invitations.get().pk])
    assert login(other).post(answer, {"answer": "accept"}).status_code == 404
    assert login(guest).post(answer, {"answer": "decline"}).status_code == 302
    assert not world.study.researchers.filter(pk__in=[guest.pk, other.pk]).exists()


def test_the_invite_form_answers_the_same_whether_or_not_the_account_exists(
    world: World, editor: Client
) -> None:
    """Issue 20: the form told a researcher whether a user name exists."""
    user_make("gina")
    url = reverse("dashboard:study_invite", args=[world.study.slug])
    answers = []
    for name in ("gina", "nobody-by-this-name"):
        response = editor.post(url, {"username": name}, follow=True)
        page = response.content.decode().replace(name, "NAME")
        answers.append((response.status_code, page.split("Invitation for", 1)[1][:200]))
    assert answers[0] == answers[1]
    assert answers[0][0] == 200


def upload(client: Client, slug: str, name: str, content: bytes, source: str = "human"):
    url = reverse("dashboard:study_items_check", args=[slug])
    return client.post(
        url, {"file": SimpleUploadedFile(name, content, "text/csv"), "source": source}
    )


def test_a_file_with_faulty_rows_lists_every_row_and_stores_nothing(
    world: World, editor: Client
) -> None:
    content = (
        HEADER
        + "10.1/a,Ecology,Rats went up by 10%.,Rats went down by 10%.\n"
        + "10.1/b,Ecology,,Something altered.\n"
        + "10.1/c,Ecology,Same text.,Same text.\n"
    ).encode()
    before = Item.objects.count()
    response = upload(editor, world.study.slug, "pilot.csv", content)
    page = response.content.decode()
    assert response.status_code == 400
    assert "2 problems, nothing stored" in page
    assert "pilot.csv, row 2: original_abstract is empty" in page
    assert "pilot.csv, row 3: original_abstract and incorrect_abstract are identical" in page
    assert Item.objects.count() == before
    # Nothing waits for an import either.
    assert (
        editor.post(reverse("dashboard:study_items_import", args=[world.study.slug])).status_code
        == 400
    )


def test_a_checked_file_is_previewed_with_its_differences_then_imported(
    world: World, editor: Client
) -> None:
    study = Study.objects.create(slug="eco", title="Eco", bank="eco-bank")
    study.researchers.add(world.researcher)
    ItemBank.objects.create(name="eco-bank").owners.add(world.researcher)
    response = upload(editor, "eco", "ecology_items.csv", FIXTURE.read_bytes())
    page = response.content.decode()
    assert response.status_code == 200
    assert "ready to import" in page and "<del" in page and "<ins" in page
    assert not Item.objects.filter(bank="eco-bank").exists()
    imported = editor.post(reverse("dashboard:study_items_import", args=["eco"]))
    assert imported.status_code == 302
    n_rows = FIXTURE.read_text().count("https://doi.org/")
    assert Item.objects.filter(bank="eco-bank", kind=Item.Kind.TEST).count() == n_rows


def test_a_bank_of_another_team_is_not_changed_by_a_researcher_of_a_study_on_it(
    world: World, editor: Client
) -> None:
    world.other_study.researchers.add(world.researcher)
    before = Item.objects.filter(bank="other").count()
    response = upload(editor, world.other_study.slug, "ecology_items.csv", FIXTURE.read_bytes())
    assert response.status_code == 403
    assert Item.objects.filter(bank="other").count() == before


def test_bank_owner_checks_a_file_although_another_team_has_a_study_on_the_bank(
    world: World, editor: Client
) -> None:
    Study.objects.create(slug="shared", title="Someone else's", bank="tiny").researchers.add(
        world.other_researcher
    )
    response = upload(editor, world.study.slug, "ecology_items.csv", FIXTURE.read_bytes())
    assert response.status_code == 200
    assert "ready to import" in response.content.decode()


def test_study_page_offers_the_participant_link_with_qr_code_and_copy_button(
    world: World, editor: Client
) -> None:
    page = editor.get(reverse("dashboard:study_detail", args=[world.study.slug])).content.decode()
    assert 'value="http://testserver/s/tiny/"' in page
    assert 'data-copy="participant-url"' in page
    assert reverse("dashboard:study_qr", args=[world.study.slug]) in page
    qr = editor.get(reverse("dashboard:study_qr", args=[world.study.slug]))
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert qr.content.lstrip().startswith(b"<?xml") or b"<svg" in qr.content[:200]
    assert Client().get(reverse("dashboard:study_qr", args=[world.study.slug])).status_code in (
        302,
        403,
    )
    assert (
        login(world.other_researcher)
        .get(reverse("dashboard:study_qr", args=[world.study.slug]))
        .status_code
        == 404
    )
