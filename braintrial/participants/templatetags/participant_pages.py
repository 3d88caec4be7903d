"""Template tags of the participant pages."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.conf import settings
from django.forms import BoundField
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from braintrial.studies.models import Study
from braintrial.studies.texts import study_text_shown

register = template.Library()
SLIDER = "participants/_slider.html"
TEXT_FIELDS = ("consent_text", "instructions_text")


def _render_slider(context: tuple[tuple[str, Any], ...]) -> SafeString:
    return render_to_string(SLIDER, dict(context))


# The markup depends on these few values only: an unanswered page's sliders are the same for
# every participant. Values typed into a page sent back with errors are the only other ones.
# The language is part of the key: the hints around the values are translated.
_cached_slider = lru_cache(maxsize=256)(_render_slider)


@register.simple_tag
def slider(
    name: str, *, question: str, short: str, low: str, high: str, field: BoundField, moved: Any
) -> SafeString:
    """The 1 to 100 scale of ``field`` on a trial page (``_slider.html``), rendered once per
    process for each set of values: the two sliders were a quarter of the trial page's
    rendering. ``moved`` is the value of the field that says whether the slider was moved."""
    value = field.value()
    context = (
        ("name", name),
        ("question", question),
        ("short", short),
        ("low", low),
        ("high", high),
        ("value", None if value is None else str(value)),
        ("invalid", bool(field.errors)),
        ("moved", None if moved is None else str(moved)),
        ("language", get_language()),
    )
    return (_render_slider if settings.DEBUG else _cached_slider)(context)


@register.filter
def study_text(study: Study, field: str) -> str:
    """The study's text ``field`` (consent_text, instructions_text) with its placeholders filled
    from the study: the numbers participants read are the ones the study runs."""
    if field not in TEXT_FIELDS:
        raise template.TemplateSyntaxError(f"study_text: {field!r} is not a study text")
    return study_text_shown(study=study, field=field)
