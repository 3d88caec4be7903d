"""Formatting of the reproduction panel's cells: percentages, numbers, p values, rows."""

from __future__ import annotations

from ..types import PanelRow

MISSING = "n/a"


def pct_text(value: float | None) -> str:
    return MISSING if value is None else f"{100 * value:.1f}%"


def num_text(value: float | None, digits: int = 3) -> str:
    return MISSING if value is None else f"{value:.{digits}f}"


def p_text(value: float | None) -> str:
    if value is None:
        return "p n/a"
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


def row_text(
    key: str,
    analysis: str,
    paper: str,
    app: str,
    definition: str,
    n: str,
    matches: bool | None,
    note: str = "",
) -> PanelRow:
    return {
        "key": key,
        "analysis": analysis,
        "paper": paper,
        "app": app,
        "definition": definition,
        "n": n,
        "matches": matches,
        "note": note,
    }


def same_text(app: float | None, paper: float, digits: int) -> bool | None:
    return None if app is None else round(app, digits) == round(paper, digits)
