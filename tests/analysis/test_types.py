"""The report as built matches its declared shape (analysis.types), key for key.

mypy checks the readers against the TypedDicts; these tests check the writers, where a value
comes from the database or a dataclass mypy cannot see into.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Literal, NotRequired, get_args, get_origin, get_type_hints

import pytest

from braintrial.analysis import types as report_types
from braintrial.analysis.rules import ExclusionRules
from braintrial.analysis.selectors import study_report
from braintrial.items.models import Item
from scoring.models import ScoreRun

from .conftest import Lab


def _fields(declared: Any) -> tuple[dict[str, Any], set[str]]:
    """A TypedDict's key types and its required keys. Read from the hints, not from
    ``__required_keys__``: under postponed annotations NotRequired is only a string there."""
    hints = get_type_hints(declared, include_extras=True)
    required = {key for key, hint in hints.items() if get_origin(hint) is not NotRequired}
    return {k: get_args(h)[0] if k not in required else h for k, h in hints.items()}, required


def _typeddict_errors(value: Any, declared: Any, path: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{path}: {type(value).__name__}, not a dict"]
    hints, required = _fields(declared)
    errors = [f"{path}: no {key!r}" for key in hints if key in required and key not in value]
    errors += [f"{path}: unknown {key!r}" for key in value if key not in hints]
    for key, item in value.items():
        if key in hints:
            errors += shape_errors(item, hints[key], f"{path}[{key!r}]")
    return errors


def _container_errors(value: Any, declared: Any, path: str) -> list[str]:
    kind = get_origin(declared)
    if not isinstance(value, kind):
        return [f"{path}: {type(value).__name__}, not a {kind.__name__}"]
    item_type = get_args(declared)[-1]
    items = value.items() if kind is dict else enumerate(value)
    return [e for k, v in items for e in shape_errors(v, item_type, f"{path}[{k!r}]")]


def _scalar_errors(value: Any, declared: Any, path: str) -> list[str]:
    if declared in (int, float) and isinstance(value, bool):
        return [f"{path}: {value!r}, not {declared.__name__}"]
    kinds = (int, float) if declared is float else declared
    return [] if isinstance(value, kinds) else [f"{path}: {value!r}, not {declared.__name__}"]


def shape_errors(value: Any, declared: Any, path: str = "report") -> list[str]:
    """Where ``value`` departs from the type ``declared``: missing or unknown keys, wrong kinds."""
    origin = get_origin(declared)
    if typing.is_typeddict(declared):
        return _typeddict_errors(value, declared, path)
    if origin in (types.UnionType, typing.Union):
        options = [shape_errors(value, option, path) for option in get_args(declared)]
        return [] if any(not o for o in options) else min(options, key=len)
    if origin is Literal:
        return [] if value in get_args(declared) else [f"{path}: {value!r} not allowed"]
    if origin in (dict, list):
        return _container_errors(value, declared, path)
    return _scalar_errors(value, type(None) if declared is None else declared, path)


def test_the_checker_finds_a_missing_an_unknown_and_a_mistyped_key() -> None:
    acc = {"accuracy": 0.5, "sem": None, "low": None, "high": None, "n": 2, "k": 1}
    assert shape_errors(acc, report_types.Accuracy) == []
    assert shape_errors({**acc, "extra": 1}, report_types.Accuracy) == ["report: unknown 'extra'"]
    del acc["k"]
    assert shape_errors(acc, report_types.Accuracy) == ["report: no 'k'"]
    assert shape_errors({**acc, "k": "1"}, report_types.Accuracy) == ["report['k']: '1', not int"]


def test_the_rules_part_is_exclusion_rules_field_for_field() -> None:
    """study_report casts ExclusionRules.as_dict to RulesInfo: they must name the same fields."""
    fields = [field.name for field in dataclasses.fields(ExclusionRules)]
    assert list(get_type_hints(report_types.RulesInfo)) == fields


def test_only_documented_keys_are_optional() -> None:
    """NotRequired only where a figure exists only sometimes (BrainGPT without its models,
    base against chat without pairs)."""
    optional = {
        name
        for name, cls in vars(report_types).items()
        if typing.is_typeddict(cls) and len(_fields(cls)[1]) < len(_fields(cls)[0])
    }
    assert optional == {"BaseVsChat", "BrainGPT"}


@pytest.mark.django_db
def test_a_study_without_data_has_the_declared_shape(lab: Lab) -> None:
    lab.item()
    report = study_report(study=lab.study)
    assert shape_errors(report, report_types.StudyReport) == []


@pytest.mark.django_db
def test_a_study_with_answers_scores_and_exclusions_has_the_declared_shape(lab: Lab) -> None:
    items = [lab.item(section=s) for s in ("A", "B")]
    gpt4 = lab.item(source=Item.Source.GPT4)
    for n in range(8):
        lab.participant(
            [(items[0], n % 2 == 0, 60 + n), (items[1], n % 3 == 0, 30 + n), (gpt4, True)],
            position="Doctoral student" if n % 2 else "Research scientist",
            flag_no_slider=n == 5,
        )
    ppl = {item: (2.0 + i, 3.0) for i, item in enumerate([*items, gpt4])}
    lab.scorer("model-a", ppl)
    lab.scorer("own", ppl, published=False, run_status=ScoreRun.Status.SUCCEEDED)
    lab.scorer("half", {items[0]: (1.0, 2.0)}, published=False, run_status="succeeded")
    for rules in (None, ExclusionRules.none()):
        report = study_report(study=lab.study, rules=rules)
        assert report["scorers_skipped"], "the half-scored model is listed as skipped"
        assert shape_errors(report, report_types.StudyReport) == []
