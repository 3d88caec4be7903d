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
* a challenge (``/s/<slug>/challenge/``, after the debrief): ``position`` (the trial's number),
  ``kind`` = ``typo`` | ``both_plausible`` | ``giveaway`` | ``other``, ``text`` (optional,
  needed for ``other``)
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
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from braintrial.participants.countries import country_choices
from braintrial.participants.models import Challenge, Gender, Participant, Position
from braintrial.participants.services.answers import TrialAnswer
from braintrial.participants.services.start import Recruitment
from braintrial.participants.services.steps import Demographics
from braintrial.participants.writing import countries_collate

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
MOVED = [("1", "moved"), ("0", "not moved")]
# A day: a client measure beyond it is not a measure of this page.
MAX_RT_CLIENT_MS = 24 * 60 * 60 * 1000
MAX_BLUR_COUNT = 10_000
RECRUITMENT_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,128}$")
# Experience in neuroscience counts from age 10 at the earliest (a generous bound: school
# projects included); more years than that is a typing error, not a career.
EXPERIENCE_FROM_AGE = 10


SELECT = pgettext_lazy("a select's empty choice", "Select…")


def _blank() -> list[tuple[str, Any]]:
    return [("", SELECT)]


@functools.cache
def _options(
    choices: tuple[tuple[Any, Any], ...], language: str | None, collated: bool = False
) -> tuple[tuple[str, str, str], ...]:
    """(value, markup up to the value, markup after it) of each option, escaped once for each
    language: the labels are translated when they are escaped. ``collated``: the countries, in
    the order of the language's alphabet (countries_collate)."""
    labelled = tuple((str(key), str(label)) for key, label in choices)
    if collated:
        labelled = countries_collate(labelled, language=language or "en")
    return tuple(
        (key, format_html('<option value="{}"', key), format_html(">{}</option>", label))
        for key, label in labelled
    )


class FixedChoices(BaseChoiceIterator):
    """Flat choices fixed for the life of the process. Django takes them as they are (no
    normalising on every pass, a cost that shows in the profile of the demographics page with
    its 200 countries), a
    form's copy of its fields shares them instead of copying them, and PlainSelect escapes their
    options once per language. Labels may be lazy translations: they are read in the language
    active when the page is drawn."""

    def __init__(self, choices: Iterable[tuple[str, Any]], *, collated: bool = False) -> None:
        self._pairs = tuple((str(key), label) for key, label in choices)
        self._collated = collated

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)

    def __copy__(self) -> FixedChoices:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FixedChoices:
        return self

    @property
    def options(self) -> tuple[tuple[str, str, str], ...]:
        return _options(self._pairs, get_language(), self._collated)


class PlainSelect(forms.Select):
    """A select of flat choices written out in Python, each option escaped once per process.
    Django renders each option through the template engine, which for the demographics page's
    200 countries profiled as more than the rest of the request. The markup is the same: the
    field's attributes, the chosen value."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = set(self.format_value(value))
        fixed = self.choices if isinstance(self.choices, FixedChoices) else None
        options = "".join(
            f"{start}{' selected' if key in chosen else ''}{end}"
            for key, start, end in (
                fixed.options if fixed else _options(tuple(self.choices), get_language())
            )
        )
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>{}</select>', name, attributes, mark_safe(options))


class ConsentForm(forms.Form):
    consent = forms.ChoiceField(choices=[("agree", _("I agree")), ("decline", _("I do not agree"))])
    # The first hex digits of the consent version the page showed: a text changed while the
    # participant read it is shown again rather than agreed to unread.
    version = forms.RegexField(regex=r"^[0-9a-f]{12,64}$", required=False)


class DemographicsForm(forms.Form):
    gender = forms.ChoiceField(
        label=_("What is your gender identity?"),
        choices=FixedChoices(_blank() + Gender.choices),
        widget=PlainSelect,
    )
    age = forms.IntegerField(label=_("How old are you?"), min_value=16, max_value=100)
    country = forms.ChoiceField(
        label=_("Which country are you based in?"),
        choices=FixedChoices(_blank() + country_choices(), collated=True),
        widget=PlainSelect,
    )
    position = forms.ChoiceField(
        label=_("What is your current position?"),
        choices=FixedChoices(_blank() + Position.choices),
        widget=PlainSelect,
    )
    experience_years = forms.DecimalField(
        label=_("How many years of experience in neuroscience do you have?"),
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
                gettext(
                    "At %(age)s you can have at most %(years)s years of experience: please "
                    "check your age and your years of experience."
                )
                % {"age": age, "years": max(age - EXPERIENCE_FROM_AGE, 0)},
            )
        return data

    def demographics(self) -> Demographics:
        return Demographics(**self.cleaned_data)


class TrialForm(forms.Form):
    position = forms.IntegerField(min_value=0, max_value=1000, widget=forms.HiddenInput)
    choice = forms.ChoiceField(
        label=_("Version"),
        choices=FixedChoices([("A", _("Version A")), ("B", _("Version B"))]),
        error_messages={"required": _("Please choose the version you think is published.")},
    )
    confidence = forms.IntegerField(
        label=_("Confidence"),
        min_value=1,
        max_value=100,
        error_messages={"required": _("Please set how confident you are (1 to 100).")},
    )
    expertise = forms.IntegerField(
        label=_("Expertise"),
        min_value=1,
        max_value=100,
        error_messages={"required": _("Please set how much expertise you have (1 to 100).")},
    )
    recognised = forms.ChoiceField(
        label=_("Seen before"),
        choices=FixedChoices(YES_NO),
        error_messages={"required": _("Please say whether you have seen this study before.")},
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
        label=_(
            "Did you use any outside help (search engines, papers, colleagues, AI tools) to answer?"
        ),
        choices=YES_NO,
    )
    feedback = forms.CharField(
        label=_("Anything you would like to tell us? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ChallengeForm(forms.Form):
    """A problem with a test case the participant answered; which one is checked by the service
    (services.challenges), which knows their trials."""

    position = forms.IntegerField(label=_("Which test case?"), min_value=1, max_value=10_000)
    kind = forms.ChoiceField(
        label=_("What is the problem?"), choices=Challenge.Kind.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Describe it (optional; needed for another problem)"),
        required=False,
        max_length=Challenge.MAX_TEXT,
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
                _(
                    "Please open this study from its Prolific page: the link is missing "
                    "PROLIFIC_PID, STUDY_ID or SESSION_ID."
                )
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
        label=_("Withdrawal reference"), required=False, max_length=40, strip=True
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("how") == "reference":
            letters = re.sub(r"[\s-]", "", cleaned.get("reference", "")).upper()
            if not re.fullmatch(r"[A-Z2-9]{12}", letters):
                self.add_error(
                    "reference",
                    _(
                        "Type the 12 letters and digits of your reference, as on your "
                        "completion page (for example ABCD-EFGH-2345)."
                    ),
                )
        return cleaned
