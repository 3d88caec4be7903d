"""Formatting of the public figures: a proportion as a percentage, its interval in words."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    return "\u2013" if value is None else f"{value * 100:.1f}%"


@register.filter
def interval(accuracy: dict[str, Any]) -> str:
    low, high = accuracy.get("low"), accuracy.get("high")
    if low is None or high is None:
        return "\u2013"
    return f"{low * 100:.1f}\u2013{high * 100:.1f}%"


@register.filter
def get(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)
