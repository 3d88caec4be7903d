"""The demographics selects, written out without the template engine, keep a form's markup:
the field's attributes, the chosen value and escaped labels; their fixed choices are shared, not
copied, and still validate."""

from __future__ import annotations

import re

from django import forms

from braintrial.participants.forms import DemographicsForm, FixedChoices, PlainSelect
from tests.participants.conftest import DEMOGRAPHICS


def _select(html: str, name: str) -> str:
    match = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert match is not None
    return match.group(0)


def test_an_unbound_select_is_required_with_the_blank_option_chosen() -> None:
    html = _select(str(DemographicsForm()["country"]), "country")

    assert html.startswith('<select name="country" id="id_country" required>')
    assert '<option value="" selected>Select…</option>' in html
    assert html.count("<option") == len(list(DemographicsForm().fields["country"].choices))


def test_a_form_shown_again_keeps_the_choice_and_marks_the_missing_field() -> None:
    form = DemographicsForm({"country": "Germany"})
    form.is_valid()

    country, gender = (
        _select(str(form["country"]), "country"),
        _select(str(form["gender"]), "gender"),
    )

    assert '<option value="Germany" selected>Germany</option>' in country
    assert country.count(" selected") == 1
    assert 'aria-invalid="true"' in gender and 'aria-describedby="id_gender_error"' in gender
    assert "aria-invalid" not in country


def test_values_and_labels_are_escaped() -> None:
    class Odd(forms.Form):
        pick = forms.ChoiceField(choices=[('a"b', "<b>bold</b>")], widget=PlainSelect)

    html = str(Odd({"pick": 'a"b'})["pick"])

    assert '<option value="a&quot;b" selected>&lt;b&gt;bold&lt;/b&gt;</option>' in html


def test_fixed_choices_are_shared_by_the_forms_copies_and_still_validate() -> None:
    first, second = DemographicsForm(), DemographicsForm()
    good = DemographicsForm({**DEMOGRAPHICS, "country": "Japan"})
    bad = DemographicsForm({**DEMOGRAPHICS, "country": "Atlantis"})

    assert isinstance(first.fields["country"].choices, FixedChoices)
    assert first.fields["country"] is not second.fields["country"]
    assert first.fields["country"].choices is second.fields["country"].choices
    assert first.fields["country"].widget.choices is first.fields["country"].choices
    assert list(first.fields["country"].choices)[:2] == [
        ("", "Select…"),
        ("Afghanistan", "Afghanistan"),
    ]
    assert good.is_valid(), good.errors
    assert good.cleaned_data["country"] == "Japan"
    assert not bad.is_valid()
    assert "Select a valid choice" in bad.errors["country"][0]
