"""What a scripted participant answers on each page: plausible values, drawn from its own
random generator. Pure client logic with no Django imports (see bots.py)."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping

from braintrial.pilots.pages import Form

GENDER_WEIGHTS = {"Male": 55, "Female": 40, "Gender Variant/Non-Conforming": 2}
POSITION_AGES = {  # position -> plausible age range
    "Predoctoral student": (21, 27),
    "Doctoral student": (23, 33),
    "Postdoctoral researcher": (28, 42),
    "Faculty/Academic staff": (34, 70),
    "Research scientist": (27, 62),
}
COMMON_COUNTRIES = ("United States", "United Kingdom", "Germany", "China", "Canada", "France")


class AnswerError(Exception):
    """The page does not offer what a participant needs to answer it."""


def answer_fill(*, step: str, form: Form, rng: random.Random) -> dict[str, str]:
    """The values a participant would enter on the page of ``step``."""
    if step == "consent":
        if "agree" not in form.options.get("consent", []):
            raise AnswerError("consent page has no 'agree' button")
        return {"consent": "agree"}
    if step == "demographics":
        return _demographics(form, rng)
    if step in {"instructions", "practice_over"}:
        return {}
    if step in {"practice", "trials"}:
        return _trial(form, rng)
    if step == "debrief":
        return {"outside_help": "no", "feedback": ""}
    raise AnswerError(f"unknown step '{step}'")


def _pick(
    form: Form, name: str, rng: random.Random, weights: Mapping[str, float] | None = None
) -> str:
    choices = form.options.get(name)
    if not choices:
        raise AnswerError(f"no choices for '{name}'")
    w = [(weights or {}).get(c, 1.0) for c in choices]
    return rng.choices(choices, weights=w)[0]


def _demographics(form: Form, rng: random.Random) -> dict[str, str]:
    position = _pick(form, "position", rng, {"Doctoral student": 3, "Postdoctoral researcher": 3})
    low, high = POSITION_AGES.get(position, (22, 65))
    age = rng.randint(low, high)
    experience = max(0.0, min(age - 21 - rng.uniform(0, 3), 60.0))
    countries = {c: 8.0 for c in COMMON_COUNTRIES}
    return {
        "gender": _pick(form, "gender", rng, GENDER_WEIGHTS),
        "age": str(age),
        "country": _pick(form, "country", rng, countries),
        "position": position,
        "experience_years": f"{round(experience * 2) / 2:.1f}",
    }


def _trial(form: Form, rng: random.Random) -> dict[str, str]:
    choice = _pick(form, "choice", rng)  # the bot cannot know the answer: a fair coin
    recognised = "yes" if rng.random() < 0.02 else "no"
    return {
        "choice": choice,
        "confidence": str(round(rng.triangular(1, 100, 65))),
        "expertise": str(round(rng.triangular(1, 100, 40))),
        "recognised": recognised,
        # What the page's script would have measured: about a minute per pair of abstracts.
        "rt_client_ms": str(
            round(min(max(rng.lognormvariate(math.log(45_000), 0.5), 6_000), 600_000))
        ),
        "blur_count": str(0 if rng.random() < 0.85 else rng.randint(1, 3)),
        "confidence_moved": "1",
        "expertise_moved": "1",
    }
