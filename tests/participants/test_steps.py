"""The flow is its declaration: flow.STEPS lists each step once, in order, and the pages and the
POST handling read everything about a step from there."""

from __future__ import annotations

import ast
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.conf import settings
from django.template.loader import get_template
from django.test import Client

from braintrial.participants import flow
from braintrial.participants.flow import DETOURS, STEPS, FlowState, Step, current_step
from braintrial.participants.models import Participant
from tests.participants.conftest import flow_url, participant_of, start

pytestmark = pytest.mark.django_db

# The names the bots, the browser tests and forms.py's field list rely on.
POSTED_NAMES = {
    "consent",
    "demographics",
    "instructions",
    "practice",
    "practice_over",
    "trials",
    "debrief",
}


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden {name} field on the page"
    return match.group(1)


def _fill(form: forms.Form, html: str) -> dict[str, str]:
    """Valid data for any declared form: hidden fields from the page, the first real choice,
    the smallest number allowed, optional fields left out."""
    data = {}
    for name, field in form.fields.items():
        if isinstance(field.widget, forms.HiddenInput):
            data[name] = _hidden(html, name)
        elif not field.required:
            continue
        elif isinstance(field, forms.ChoiceField):
            data[name] = next(str(value) for value, _ in field.choices if value != "")
        elif isinstance(field, forms.IntegerField | forms.DecimalField):
            data[name] = str(field.min_value if field.min_value is not None else 1)
        else:
            data[name] = "x"
    return data


def _walk(client: Client, study: Any) -> tuple[list[str], Step[Any]]:
    """Answer whatever step the declaration says is current until one takes no POST."""
    visited: list[str] = []
    for _ in range(50):
        step = current_step(FlowState(participant=participant_of(client, study)))
        page = client.get(flow_url(study))
        assert page.status_code == 200
        assert step.template in [t.name for t in page.templates]
        visited.append(step.name)
        if step.form is None:
            return visited, step
        html = page.content.decode()
        assert _hidden(html, "step") == step.name
        data = {"step": step.name, **_fill(step.form(), html)}
        response = client.post(flow_url(study), data)
        assert response.status_code == 302, response.content.decode()[:300]
    raise AssertionError(f"the flow did not end: {visited}")


def test_every_declared_step_has_a_template_and_a_form_that_renders() -> None:
    names = [step.name for step in STEPS + DETOURS]
    assert len(names) == len(set(names))
    for step in STEPS + DETOURS:
        get_template(step.template)  # TemplateDoesNotExist fails the test
        if step.form is not None:
            html = str(step.form())
            assert all(f'name="{name}"' in html for name in step.form.base_fields)
            assert step.handle is not None


def test_a_form_without_a_handler_cannot_be_declared() -> None:
    with pytest.raises(ValueError, match="needs a handler"):
        Step(name="x", template="participants/consent.html", is_done=bool, form=forms.Form)


def test_post_names_accepted_are_exactly_the_declared_steps_that_take_a_post(
    client: Client, study: Any
) -> None:
    start(client, study)
    candidates = {s.name for s in STEPS + DETOURS} | {"", "admin", "Consent", "deb\x00rief"}
    accepted = set()
    for name in candidates:
        response = client.post(flow_url(study), {"step": name})
        # On consent no answer is valid: the consent page shows the errors (400), a later step
        # is not due (409), a trial's invalid POST goes back to the current step (302).
        assert response.status_code in (302, 400, 409)
        if b"not part of the study" not in response.content:
            accepted.add(name)
    assert accepted == {s.name for s in STEPS if s.form is not None} == POSTED_NAMES
    participant = Participant.objects.get()
    assert participant.status == Participant.Status.CONSENT
    assert participant.consented_at is None


def test_walking_the_declaration_visits_every_step_in_order_and_ends_completed(
    client: Client, study: Any
) -> None:
    start(client, study)
    visited, last = _walk(client, study)
    assert list(dict.fromkeys(visited)) == [step.name for step in STEPS]
    assert visited.count("practice") == 1 and visited.count("trials") == 11
    assert last.end_page_for == Participant.Status.COMPLETED
    participant = Participant.objects.get()
    assert participant.status == Participant.Status.COMPLETED
    assert participant.trials.filter(correct__isnull=True).count() == 0


def test_a_step_added_to_the_declaration_is_served_and_answered(
    client: Client, study: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    paused: list[int] = []

    def pause_record(participant: Participant, form: forms.Form, now: datetime) -> None:
        paused.append(participant.pk)

    pause = Step(
        name="pause",
        template="participants/instructions.html",
        is_done=lambda state: state.participant.pk in paused,
        form=forms.Form,
        handle=pause_record,
    )
    at = [step.name for step in STEPS].index("practice")
    monkeypatch.setattr(flow, "STEPS", (*STEPS[:at], pause, *STEPS[at:]))
    start(client, study)
    visited, _ = _walk(client, study)
    assert visited[at - 1 : at + 2] == ["instructions", "pause", "practice"]
    assert paused == [Participant.objects.get().pk]


def test_a_done_step_of_the_declaration_is_not_answered_again(client: Client, study: Any) -> None:
    start(client, study)
    client.post(flow_url(study), {"step": "consent", "consent": "agree"})
    again = client.post(flow_url(study), {"step": "consent", "consent": "decline"})
    assert again.status_code == 302 and again["Location"] == flow_url(study) + "?note=answered"
    participant = Participant.objects.get()
    assert participant.status == Participant.Status.ACTIVE
    assert participant.declined_at is None


def test_participant_services_import_neither_the_flow_nor_the_views() -> None:
    above = {"flow", "step_views", "views", "forms"}
    services = Path(settings.BASE_DIR) / "braintrial" / "participants" / "services"
    for path in services.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported = {node.module.rsplit(".", 1)[-1]} | {a.name for a in node.names}
                if node.module.startswith("braintrial.participants"):
                    assert not imported & above, f"{path.name} imports {node.module}"
