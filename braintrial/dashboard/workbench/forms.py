"""The workbench's forms: a file of candidates, one pasted abstract, a draft, a review, a role."""

from __future__ import annotations

from typing import Any

from django import forms

from braintrial.workbench.models import MAX_LENGTH_CHANGE_PERCENT, Role, Section
from braintrial.workbench.sources import MAX_ABSTRACT, MAX_FILE_BYTES, MAX_JOURNAL, MAX_TITLE

_SECTION_CHOICES = [("", "Not assigned yet"), *Section.choices]


class CandidateUploadForm(forms.Form):
    file = forms.FileField(label="PubMed XML or CSV file", allow_empty_file=False)
    section = forms.ChoiceField(
        label="Section of the records that name none",
        choices=_SECTION_CHOICES,
        required=False,
        help_text="PubMed records carry no section; a CSV row's own section comes first.",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; split it."
            )
        if not upload.name.lower().endswith((".xml", ".csv")):
            raise forms.ValidationError("Upload a PubMed .xml file or a .csv file.")
        return upload


class CandidatePasteForm(forms.Form):
    title = forms.CharField(max_length=MAX_TITLE, widget=forms.Textarea(attrs={"rows": 2}))
    abstract = forms.CharField(max_length=MAX_ABSTRACT, widget=forms.Textarea(attrs={"rows": 8}))
    doi = forms.CharField(
        label="DOI", max_length=300, help_text="For example 10.1523/JNEUROSCI.0001-25.2025"
    )
    journal = forms.CharField(max_length=MAX_JOURNAL)
    publication_date = forms.CharField(
        label="Publication date", max_length=10, help_text="2025, 2025-03 or 2025-03-14"
    )
    section = forms.ChoiceField(choices=_SECTION_CHOICES, required=False)


class DraftForm(forms.Form):
    """A marked passage and the altered abstract. Left unrequired here: the authoring services
    say what is missing in the guidelines' words (workbench.authoring)."""

    passage_start = forms.IntegerField(
        label="Passage starts at character", min_value=0, required=False
    )
    passage_end = forms.IntegerField(label="Passage ends at character", min_value=0, required=False)
    altered = forms.CharField(
        label="Altered version",
        required=False,
        strip=False,
        max_length=MAX_ABSTRACT + 1000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=(
            "The whole abstract with its results changed; only the marked passage may change."
        ),
    )


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label="Comment",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required to return a draft: say what its author should fix.",
    )


class RoleGrantForm(forms.Form):
    username = forms.CharField(label="Account (user name)", max_length=150)
    role = forms.ChoiceField(label="Role", choices=Role.choices)


class LengthRuleForm(forms.Form):
    max_length_change_percent = forms.IntegerField(
        label="The versions' lengths may differ by at most (%)",
        min_value=1,
        max_value=MAX_LENGTH_CHANGE_PERCENT,
    )
