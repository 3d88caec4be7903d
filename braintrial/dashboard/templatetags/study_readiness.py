"""Whether a study can admit participants, where the dashboard shows a study (studies.readiness
decides; this only draws it)."""

from __future__ import annotations

from typing import Any

from django import template

from braintrial.studies.models import Study
from braintrial.studies.readiness import study_readiness

register = template.Library()


@register.inclusion_tag("dashboard/_readiness.html")
def readiness_note(study: Study) -> dict[str, Any]:
    """The readiness box: ready, ready to open, or not ready with every reason."""
    return {"study": study, "readiness": study_readiness(study=study)}


@register.inclusion_tag("dashboard/_readiness_pill.html")
def readiness_pill(study: Study) -> dict[str, Any]:
    """A "not ready" pill beside the open/closed one, its reasons in the title."""
    return {"study": study, "readiness": study_readiness(study=study)}
