"""Forms of a test case's page: a new version, a retirement, a decision on a challenge. The
texts are checked by the item bank's own rule (items.services.parsing.versions_problem), in the
service, as the import checks them."""

from __future__ import annotations

from django import forms

from braintrial.items.services.versions import MAX_NOTE_CHARACTERS
from braintrial.participants.services.challenges import VERDICTS

ABSTRACT = forms.Textarea(attrs={"rows": 8})


class ItemVersionForm(forms.Form):
    original = forms.CharField(label="Published version", strip=False, widget=ABSTRACT)
    altered = forms.CharField(label="Altered version", strip=False, widget=ABSTRACT)
    note = forms.CharField(
        label="Why (kept in the audit log)", required=False, max_length=MAX_NOTE_CHARACTERS
    )


class ItemRetireForm(forms.Form):
    note = forms.CharField(
        label="Why (kept in the audit log)", required=False, max_length=MAX_NOTE_CHARACTERS
    )


class ChallengeDecisionForm(forms.Form):
    verdict = forms.ChoiceField(
        choices=[
            ("reject", "Reject"),
            ("retire", "Uphold: retire the test case"),
            ("new_version", "Uphold: fix it as a new version"),
        ]
    )
    note = forms.CharField(
        label="Why (kept in the audit log)", required=False, max_length=MAX_NOTE_CHARACTERS
    )
    original = forms.CharField(required=False, strip=False, widget=ABSTRACT)
    altered = forms.CharField(required=False, strip=False, widget=ABSTRACT)

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("verdict") not in VERDICTS:
            return data
        if data.get("verdict") == "new_version" and not (
            data.get("original") and data.get("altered")
        ):
            raise forms.ValidationError("A new version needs both texts.")
        return data
