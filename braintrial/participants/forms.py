"""Forms of the participant flow.

Stable field names (bots and browser tests post these; keep them):

* every step: ``csrfmiddlewaretoken``, ``step`` (the step name the page was rendered for)
* consent: ``consent`` = ``agree`` | ``decline``
* demographics: ``gender``, ``age``, ``country``, ``position``, ``experience_years``
* instructions: nothing else
* practice / trials: ``position`` (trial number, 0 = practice), ``choice`` = ``A`` | ``B``,
  ``confidence`` and ``expertise`` (integers 1-100), ``recognised`` = ``yes`` | ``no``,
  and the fields the page's script fills in: ``rt_client_ms`` (integer ms, optional),
  ``blur_count`` (integer, optional, default 0), ``confidence_moved`` and ``expertise_moved``
  (``1`` | ``0``, optional); ``outside_help`` = ``yes`` | ``no`` where the study asks per
  trial
* debrief: ``outside_help`` = ``yes`` | ``no``, ``feedback`` (optional text)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.choices import BaseChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from braintrial.participants.countries import COUNTRIES
from braintrial.participants.models import Gender, Participant, Position
from braintrial.participants.services import Recruitment, TrialAnswer
from braintrial.participants.services.steps import Demographics

YES_NO = [("yes", "Yes"), ("no", "No")]
MOVED = [("1", "moved"), ("0", "not moved")]
# A day: a client measure beyond it is not a measure of this page.
MAX_RT_CLIENT_MS = 24 * 60 * 60 * 1000
MAX_BLUR_COUNT = 10_000
RECRUITMENT_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,128}$")
# Experience in neuroscience counts from age 10 at the earliest (a generous bound: school
# projects included); more years than that is a typing error, not a career.
EXPERIENCE_FROM_AGE = 10


def _blank(label: str) -> list[tuple[str, str]]:
    return [("", label)]


@functools.cache
def _options(choices: tuple[tuple[Any, Any], ...]) -> tuple[tuple[str, str, str], ...]:
    """(value, markup up to the value, markup after it) of each option, escaped once."""
    return tuple(
        (str(key), format_html('<option value="{}"', key), format_html(">{}</option>", label))
        for key, label in choices
    )


class FixedChoices(BaseChoiceIterator):
    """Flat choices fixed for the life of the process. Django takes them as they are (no
    normalising on every pass, which cost a millisecond a request for the 200 countries), a
    form's copy of its fields shares them instead of copying them, and PlainSelect escapes their
    options once."""

    def __init__(self, choices: Iterable[tuple[str, str]]) -> None:
        self._pairs = tuple((str(key), str(label)) for key, label in choices)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)

    def __copy__(self) -> FixedChoices:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FixedChoices:
        return self

    @functools.cached_property
    def options(self) -> tuple[tuple[str, str, str], ...]:
        return _options(self._pairs)


class PlainSelect(forms.Select):
    """A select of flat choices written out in Python, each option escaped once per process.
    Django renders each option through the template engine, which took 9 ms for the demographics
    page's 200 countries: more than the rest of the request. The markup is the same: the
    field's attributes, the chosen value."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = set(self.format_value(value))
        fixed = self.choices if isinstance(self.choices, FixedChoices) else None
        options = "".join(
            f"{start}{' selected' if key in chosen else ''}{end}"
            for key, start, end in (fixed.options if fixed else _options(tuple(self.choices)))
        )
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>{}</select>', name, attributes, mark_safe(options))


class ConsentForm(forms.Form):
    consent = forms.ChoiceField(choices=[("agree", "I agree"), ("decline", "I do not agree")])
    # The first hex digits of the consent version the page showed: a text changed while the
    # participant read it is shown again rather than agreed to unread.
    version = forms.RegexField(regex=r"^[0-9a-f]{12,64}$", required=False)


class DemographicsForm(forms.Form):
    gender = forms.ChoiceField(
        label="What is your gender identity?",
        choices=FixedChoices(_blank("Select…") + Gender.choices),
        widget=PlainSelect,
    )
    age = forms.IntegerField(label="How old are you?", min_value=16, max_value=100)
    country = forms.ChoiceField(
        label="Which country are you based in?",
        choices=FixedChoices(_blank("Select…") + [(c, c) for c in COUNTRIES]),
        widget=PlainSelect,
    )
    position = forms.ChoiceField(
        label="What is your current position?",
        choices=FixedChoices(_blank("Select…") + Position.choices),
        widget=PlainSelect,
    )
    experience_years = forms.DecimalField(
        label="How many years of experience in neuroscience do you have?",
        min_value=0,
        max_value=70,
        max_digits=4,
        decimal_places=1,
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        age, years = data.get("age"), data.get("experience_years")
        if age is not None and years is not None and years > age - EXPERIENCE_FROM_AGE:
            self.add_error(
                "experience_years",
                f"At {age} you can have at most {max(age - EXPERIENCE_FROM_AGE, 0)} years of "
                "experience: please check your age and your years of experience.",
            )
        return data

    def demographics(self) -> Demographics:
        return Demographics(**self.cleaned_data)


class TrialForm(forms.Form):
    position = forms.IntegerField(min_value=0, max_value=1000, widget=forms.HiddenInput)
    choice = forms.ChoiceField(
        label="Version",
        choices=FixedChoices([("A", "Version A"), ("B", "Version B")]),
        error_messages={"required": "Please choose the version you think is published."},
    )
    confidence = forms.IntegerField(
        label="Confidence",
        min_value=1,
        max_value=100,
        error_messages={"required": "Please set how confident you are (1 to 100)."},
    )
    expertise = forms.IntegerField(
        label="Expertise",
        min_value=1,
        max_value=100,
        error_messages={"required": "Please set how much expertise you have (1 to 100)."},
    )
    recognised = forms.ChoiceField(
        label="Seen before",
        choices=FixedChoices(YES_NO),
        error_messages={"required": "Please say whether you have seen this study before."},
    )
    rt_client_ms = forms.IntegerField(min_value=0, max_value=MAX_RT_CLIENT_MS, required=False)
    blur_count = forms.IntegerField(min_value=0, max_value=MAX_BLUR_COUNT, required=False)
    confidence_moved = forms.ChoiceField(choices=FixedChoices(MOVED), required=False)
    expertise_moved = forms.ChoiceField(choices=FixedChoices(MOVED), required=False)
    # Only on the pages of a study that asks per trial (Study.outside_help_per_trial); the
    # flow validates that it was answered there.
    outside_help = forms.ChoiceField(choices=FixedChoices(YES_NO), required=False)

    def answer(self) -> TrialAnswer:
        data = self.cleaned_data
        return TrialAnswer(
            choice=data["choice"],
            confidence=data["confidence"],
            expertise=data["expertise"],
            recognised=data["recognised"] == "yes",
            rt_client_ms=data["rt_client_ms"],
            blur_count=data["blur_count"] or 0,
            confidence_moved=_moved(data["confidence_moved"]),
            expertise_moved=_moved(data["expertise_moved"]),
            outside_help=None if data["outside_help"] == "" else data["outside_help"] == "yes",
        )


def _moved(value: str) -> bool | None:
    return None if value == "" else value == "1"


class DebriefForm(forms.Form):
    outside_help = forms.ChoiceField(
        label="Did you use any outside help (search engines, papers, colleagues, AI tools) "
        "to answer?",
        choices=YES_NO,
    )
    feedback = forms.CharField(
        label="Anything you would like to tell us? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RecruitmentForm(forms.Form):
    """Recruitment parameters of the study link (Prolific or a generic ``pid``)."""

    PROLIFIC_PID = forms.RegexField(regex=RECRUITMENT_ID, required=False)
    STUDY_ID = forms.RegexField(regex=RECRUITMENT_ID, required=False)
    SESSION_ID = forms.RegexField(regex=RECRUITMENT_ID, required=False)
    pid = forms.RegexField(regex=RECRUITMENT_ID, required=False)

    def __init__(self, *args: object, prolific_mode: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.prolific_mode = prolific_mode

    def clean(self) -> dict:
        data = super().clean() or {}
        prolific = [data.get(k) for k in ("PROLIFIC_PID", "STUDY_ID", "SESSION_ID")]
        if self.prolific_mode and not all(prolific):
            raise ValidationError(
                "Please open this study from its Prolific page: the link is missing "
                "PROLIFIC_PID, STUDY_ID or SESSION_ID."
            )
        return data

    def recruitment(self) -> Recruitment:
        """Where the participant came from; a Prolific id wins over ``pid``."""
        data = self.cleaned_data
        if data.get("PROLIFIC_PID"):
            return Recruitment(
                source=Participant.RecruitmentSource.PROLIFIC,
                recruitment_id=data["PROLIFIC_PID"],
                prolific_study_id=data.get("STUDY_ID", ""),
                prolific_session_id=data.get("SESSION_ID", ""),
            )
        if data.get("pid"):
            return Recruitment(source=Participant.RecruitmentSource.PID, recruitment_id=data["pid"])
        return Recruitment()


class WithdrawalForm(forms.Form):
    """The withdrawal page: ``how`` = ``session`` (this browser's session of the study) or
    ``reference`` (the withdrawal reference from the completion page, in ``reference``)."""

    how = forms.ChoiceField(choices=[("session", "session"), ("reference", "reference")])
    reference = forms.CharField(
        label=gettext_lazy("Withdrawal reference"), required=False, max_length=40, strip=True
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("how") == "reference":
            letters = re.sub(r"[\s-]", "", cleaned.get("reference", "")).upper()
            if not re.fullmatch(r"[A-Z2-9]{12}", letters):
                self.add_error(
                    "reference",
                    gettext_lazy(
                        "Type the 12 letters and digits of your reference, as on your "
                        "completion page (for example ABCD-EFGH-2345)."
                    ),
                )
        return cleaned
