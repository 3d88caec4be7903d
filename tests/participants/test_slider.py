"""The trial page's sliders: one template, rendered once per process for each set of values."""

from __future__ import annotations

import re

from django.template import Context, Template
from django.test import override_settings

from braintrial.participants.forms import TrialForm
from braintrial.participants.templatetags import participant_pages

PAGE = Template(
    "{% load participant_pages %}"
    '{% slider "confidence" question=question short="your confidence" low="Not at all" '
    'high="Fully" field=form.confidence moved=form.confidence_moved.value %}'
)


def _render(form: TrialForm, question: str = "How sure?") -> str:
    return PAGE.render(Context({"form": form, "question": question}))


def _number_input(html: str) -> str:
    match = re.search(r'<input type="number"[^>]*>', html)
    assert match is not None
    return match.group(0)


def test_a_slider_of_an_unanswered_page_is_rendered_once_and_reused() -> None:
    participant_pages._cached_slider.cache_clear()

    first, second = _render(TrialForm()), _render(TrialForm())

    assert first == second
    assert participant_pages._cached_slider.cache_info().hits == 1
    assert 'name="confidence"' in first and 'value="' not in _number_input(first)
    assert 'name="confidence_moved" value=""' in first
    assert "Enter a number from 1 (Not at all) to 100 (Fully)." in first


def test_a_page_sent_back_keeps_a_valid_value_and_drops_an_invalid_one() -> None:
    kept = TrialForm({"confidence": "64", "confidence_moved": "1"})
    dropped = TrialForm({"confidence": "640", "confidence_moved": "0"})
    assert kept.is_valid() is False  # the other fields are missing
    assert "confidence" not in kept.errors
    assert "confidence" in dropped.errors

    kept_html, dropped_html = _render(kept), _render(dropped)

    assert 'value="64"' in _number_input(kept_html)
    assert 'name="confidence_moved" value="1"' in kept_html
    assert 'value="' not in _number_input(dropped_html)
    assert "640" not in dropped_html
    assert 'name="confidence_moved" value="0"' in dropped_html


def test_the_question_is_escaped_and_each_question_has_its_own_markup() -> None:
    html = _render(TrialForm(), question="<script>x</script>")

    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>" not in html
    assert "How sure?" not in html


@override_settings(DEBUG=True)
def test_while_debugging_the_template_is_read_fresh_each_time() -> None:
    participant_pages._cached_slider.cache_clear()

    first, second = _render(TrialForm()), _render(TrialForm())

    assert first == second
    assert participant_pages._cached_slider.cache_info().currsize == 0
