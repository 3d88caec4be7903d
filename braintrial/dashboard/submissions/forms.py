"""Forms of the model submission pages; the rules themselves are scoring.services.submissions."""

from __future__ import annotations

from typing import Any

from django import forms


class SubmissionForm(forms.Form):
    hub_id = forms.CharField(
        label="Hub id (owner/name)", max_length=200, required=False, strip=True
    )
    revision = forms.CharField(
        label="Revision (a commit hash or a tag)", max_length=100, required=False, strip=True
    )
    local_path = forms.CharField(
        label="Or, for the operator: a model folder on this server (absolute path)",
        max_length=500,
        required=False,
        strip=True,
    )
    license = forms.CharField(label="Licence (e.g. apache-2.0)", max_length=100, strip=True)
    display_name = forms.CharField(label="Name shown in results", max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        hub, local = data.get("hub_id"), data.get("local_path")
        if bool(hub) == bool(local):
            raise forms.ValidationError(
                "Give a hub id and revision, or (the operator) a local folder, not both."
            )
        return data


class ApproveForm(forms.Form):
    local_path = forms.CharField(
        label="Folder holding the downloaded revision (absolute path)",
        max_length=500,
        required=False,
        strip=True,
    )


class RejectForm(forms.Form):
    reason = forms.CharField(label="Reason (the submitter reads it)", max_length=2000)
