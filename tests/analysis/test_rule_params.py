"""The rule switches as query parameters: what a link writes, the parser reads back."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict

from braintrial.analysis.rules import RULE_NAMES, ExclusionRules, rules_as_params, rules_parse
from braintrial.studies.models import Study


def query(params: dict[str, str]) -> QueryDict:
    q = QueryDict(mutable=True)
    q.update(params)
    return q


@pytest.mark.parametrize("switched", list(itertools.product([True, False], repeat=len(RULE_NAMES))))
def test_every_combination_of_switches_survives_a_link(switched: tuple[bool, ...]) -> None:
    study = Study(slug="s", title="S", exclude_fast=False, min_rt_ms=3000)
    rules = ExclusionRules.from_study(study).with_toggles(
        **dict(zip(RULE_NAMES, switched, strict=True))
    )
    assert (
        rules_parse(study=study, query=query(dict(rules_as_params(study=study, rules=rules))))
        == rules
    )


def test_the_studys_own_rules_need_no_parameter() -> None:
    study = Study(slug="s", title="S")
    assert rules_as_params(study=study, rules=ExclusionRules.from_study(study)) == {}
    assert rules_parse(study=study, query=QueryDict("")) == ExclusionRules.from_study(study)


@pytest.mark.parametrize(
    "text", ["rules=maybe", "rules=custom&fast=perhaps", "rules=custom&fast=on&fast=off"]
)
def test_values_the_parser_does_not_know_are_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        rules_parse(study=Study(slug="s", title="S"), query=QueryDict(text))
