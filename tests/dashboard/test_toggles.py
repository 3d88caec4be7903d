"""Exclusion-rule toggles and the item-set switch recompute the page's numbers; bad values 400."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from braintrial.items.models import Item
from braintrial.participants.models import Participant
from braintrial.participants.services.assignment import participants_release_abandoned

from .conftest import World, add_participant, login

pytestmark = pytest.mark.django_db

ALL_ON = (
    "rules=custom&failed_catch=on&no_slider=on&outside_help=on&outside_help_trial=on"
    "&recognised=on&fast=on"
)


def data(world: World, query: str = "") -> dict:
    url = reverse("dashboard:study_data", args=[world.study.slug])
    response = login(world.researcher).get(f"{url}?{query}")
    assert response.status_code == 200, response.content
    return response.json()


def human_accuracy(payload: dict, source: str = "human") -> dict:
    return payload["report"]["sources"][source]["humans"]["accuracy"]


def test_all_rules_on_equals_the_studys_own_rules(world: World) -> None:
    default, custom = data(world), data(world, ALL_ON)
    assert human_accuracy(default) == human_accuracy(custom)
    assert default["report"]["rules"] == custom["report"]["rules"]


def test_switching_off_failed_catch_brings_back_the_excluded_participant(world: World) -> None:
    default = data(world)
    off = data(world, ALL_ON.replace("&failed_catch=on", ""))
    assert off["report"]["rules"]["failed_catch"] is False
    # The flagged participant answered 6 human-written items, all right.
    before, after = human_accuracy(default), human_accuracy(off)
    assert after["n"] == before["n"] + 6 and after["k"] == before["k"] + 6
    assert after["accuracy"] > before["accuracy"]
    assert off["report"]["participation"]["excluded_participants"] == 0
    assert default["report"]["participation"]["excluded_participants"] == 1


def test_fast_rule_drops_fast_trials_only_while_on(world: World) -> None:
    human = [i for i in world.items if i.source == Item.Source.HUMAN][:6]
    person = add_participant(world.study, human, pattern=[False] * 6)
    person.trials.update(rt_server_ms=1200, flag_fast=True)
    on, off = data(world), data(world, ALL_ON.replace("&fast=on", ""))
    assert human_accuracy(off)["n"] == human_accuracy(on)["n"] + 6
    assert human_accuracy(off)["k"] == human_accuracy(on)["k"]


def test_page_checkboxes_reflect_the_rules_asked_for(world: World) -> None:
    url = reverse("dashboard:study_detail", args=[world.study.slug])
    response = login(world.researcher).get(f"{url}?rules=custom&recognised=on")
    toggles = {t.name: t for t in response.context["toggles"]}
    assert toggles["recognised"].active and not toggles["fast"].active
    assert toggles["fast"].study_default
    assert 'name="fast" value="on">' in response.content.decode()


def test_item_set_switch_shows_gpt4_written_items(world: World) -> None:
    gpt4 = data(world, "items=gpt4")
    assert gpt4["source"] == "gpt4"
    headline = gpt4["figures"]["charts"][0]
    assert "GPT-4-written" in headline["caption"]
    assert gpt4["figures"]["summary"][0]["note"].startswith(
        f"{human_accuracy(gpt4, 'gpt4')['k']} of {human_accuracy(gpt4, 'gpt4')['n']}"
    )


@pytest.mark.parametrize(
    "query",
    ["rules=custom&fast=maybe", "rules=sometimes", "rules=custom&fast=on&fast=off", "items=xyz"],
)
def test_bad_query_values_are_refused_with_400(world: World, query: str) -> None:
    client = login(world.researcher)
    for name in ("study_detail", "study_data"):
        response = client.get(reverse(f"dashboard:{name}", args=[world.study.slug]) + "?" + query)
        assert response.status_code == 400
        assert b"must" in response.content or b"more than once" in response.content


def test_unchanged_poll_returns_only_the_version(world: World) -> None:
    first = data(world)
    again = data(world, f"since={first['version']}")
    assert again["unchanged"] is True and "figures" not in again
    assert again["version"] == first["version"]


def test_new_answer_changes_the_version_and_the_numbers(world: World) -> None:
    first = data(world)
    human = [i for i in world.items if i.source == Item.Source.HUMAN][6:12]
    add_participant(world.study, human, pattern=[True] * 6, minutes_ago=1)
    second = data(world, f"since={first['version']}")
    assert second["version"] != first["version"] and "figures" in second
    assert human_accuracy(second)["n"] == human_accuracy(first)["n"] + 6


def test_a_flag_set_without_new_answers_changes_the_version(world: World) -> None:
    first = data(world)
    person = Participant.objects.filter(study=world.study, flag_outside_help=False).first()
    Participant.objects.filter(pk=person.pk).update(flag_outside_help=True)
    second = data(world)
    assert second["version"] != first["version"]
    assert second["report"]["participation"]["excluded_participants"] == 2


def test_abandonment_changes_the_version_and_the_funnel(world: World) -> None:
    person = Participant.objects.filter(study=world.study).first()
    long_ago = timezone.now() - timedelta(days=2)
    Participant.objects.filter(pk=person.pk).update(
        status=Participant.Status.ACTIVE, completed_at=None, last_seen_at=long_ago
    )
    first = data(world)
    # Released by the next participant's start, not by anything the walked-away person does.
    assert participants_release_abandoned(study=world.study, now=timezone.now()) == 1
    second = data(world, f"since={first['version']}")
    assert second["version"] != first["version"] and "report" in second
    funnel = (first["report"]["participation"], second["report"]["participation"])
    assert funnel[1]["abandoned"] == funnel[0]["abandoned"] + 1
