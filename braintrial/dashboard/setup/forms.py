"""Validation of what researchers send when they set a study up: its settings, an item file,
an invitation. The model's own validators run too (the services call full_clean)."""

from __future__ import annotations

from typing import Any

from django import forms

from braintrial.items.models import Item
from braintrial.items.services.importing import MAX_FILE_BYTES
from braintrial.studies.models import STUDY_SETTINGS, Study

# In the order the settings page shows them (the studies app owns the list).
STUDY_FIELDS = list(STUDY_SETTINGS)
LABELS = {
    "is_open": "Open: the participant link admits new participants",
    "language": "Language of the participant pages",
    "bank": "Item bank",
    "n_human_trials": "Human-written test cases per participant",
    "n_gpt4_trials": "GPT-4-written test cases per participant",
    "practice_enabled": "Start with a practice trial",
    "catch_trials_enabled": "Mix in catch trials (attention checks)",
    "skip_flagged_items": "Keep items flagged as defective out of the assignment",
    "held_out_share": "Share of the bank held out of public downloads (0 to 0.5)",
    "leave_out_upheld_items": "Leave out of the analyses the test cases of which a challenge "
    "was upheld (the report says how many)",
    "outside_help_per_trial": "Ask on every trial whether outside help was used",
    "consent_text": "Consent text",
    "instructions_text": "Instructions (empty: the standard instructions)",
    "debrief_detail": "What the debrief shows of the participant's answers",
    "show_model_comparison": "After the debrief, show the participant the language models "
    "on their items and their place among the participants the study analyses",
    "highlight_differences": "Highlight the passages where the two versions differ (both alike)",
    "institution": "Institution named on the landing page",
    "contact_email": "Contact e-mail named on the landing page",
    "completion_code": "Completion code",
    "completion_url": "Completion URL (e.g. Prolific's return link)",
    "prolific_mode": "Prolific mode: require PROLIFIC_PID, STUDY_ID and SESSION_ID",
    "abandon_after_minutes": "Release a silent participant's items after (minutes)",
    "repeat_policy": "A browser that already took part",
    "starts_per_address_per_hour": "New sessions per network address and hour (0: no limit)",
    "exclude_failed_catch": "Exclude participants who failed a catch trial",
    "catch_rule": "Which catch failures exclude",
    "exclude_no_slider": "Exclude participants who never moved a slider",
    "exclude_outside_help": "Exclude participants who reported outside help",
    "exclude_recognised": "Exclude trials whose paper was recognised",
    "exclude_fast": "Exclude trials answered faster than the minimum response time",
    "min_rt_ms": "Minimum response time (ms)",
    "identifier_retention_days": "Erase recruitment ids, session ids and address hashes this "
    "many days after the study closes",
    "planned_participants": "Planned number of analysed participants",
    "public_results": "Public results page: show the results on a public page anyone can read",
}


class HttpsURLField(forms.URLField):
    """A URL typed without a scheme is taken as https:// (Django 6's default, chosen now)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(assume_scheme="https", **kwargs)


class StudyForm(forms.ModelForm):
    """A study's settings. The slug (the participant link) is chosen once, at creation."""

    class Meta:
        model = Study
        fields = STUDY_FIELDS
        labels = LABELS
        field_classes = {"completion_url": HttpsURLField}
        help_texts = {
            "slug": "Letters, digits, - and _; participants open /s/<this>/. Cannot change later.",
            "bank": "An existing bank (see the list) or a new name, then upload your items.",
            "is_open": "A study opens once its bank holds the items its settings ask for; "
            "until then it can be saved closed.",
            "n_gpt4_trials": "Machine-written test cases: the published GPT-4-written ones and "
            "those drafted by a model in the item workbench both count.",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "consent_text": forms.Textarea(attrs={"rows": 6}),
            "instructions_text": forms.Textarea(attrs={"rows": 6}),
            "bank": forms.TextInput(attrs={"list": "bank-choices"}),
        }

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["slug"]

    def settings(self) -> dict[str, Any]:
        """The cleaned settings, as the study services take them."""
        return {name: self.cleaned_data[name] for name in self.fields}


class ItemUploadForm(forms.Form):
    file = forms.FileField(label="Test-case CSV file", allow_empty_file=False)
    source = forms.ChoiceField(
        label="Who wrote the altered versions",
        choices=[(Item.Source.HUMAN, "Human experts"), (Item.Source.GPT4, "GPT-4")],
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB."
            )
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("Upload a .csv file (columns as in the data dictionary).")
        return upload


class InviteForm(forms.Form):
    username = forms.CharField(label="User name of a co-researcher", max_length=150)
