"""The embeddable chart: the public figures of one item source as a self-contained SVG.

An SVG drawn here rather than a plotly page: another site embeds it with an ``<img>``, which
runs no script and needs no frame, so the site's own policy (no framing, scripts from here
only) stays as it is for every page. Each row is a point at the accuracy with its 95% Wilson
interval as a line; a provisional row is drawn hollow and says so.
"""

from __future__ import annotations

from django.utils.html import escape

from braintrial.analysis.types import Accuracy
from braintrial.public.selectors import PublicResults

WIDTH = 640
LABEL_WIDTH = 250
ROW = 24
TOP = 48
BOTTOM = 40
PLOT_LEFT = LABEL_WIDTH + 10
PLOT_RIGHT = WIDTH - 20
HUMAN_COLOUR = "#b35806"
MODEL_COLOUR = "#1f4e79"


def _x(proportion: float) -> float:
    return PLOT_LEFT + proportion * (PLOT_RIGHT - PLOT_LEFT)


def _rows(results: PublicResults, source: str) -> list[tuple[str, Accuracy, bool, str]]:
    rows: list[tuple[str, Accuracy, bool, str]] = []
    humans = results["humans"]
    if humans is not None and source in humans["sources"]:
        label = f"Human experts ({humans['participants']})"
        rows.append((label, humans["sources"][source]["accuracy"], humans["provisional"], "h"))
    for model in results["models"]:
        if source in model["sources"]:
            accuracy = model["sources"][source]["accuracy"]
            rows.append((model["display_name"], accuracy, model["provisional"], "m"))
    return rows


def _row_svg(index: int, label: str, accuracy: Accuracy, provisional: bool, kind: str) -> str:
    y = TOP + index * ROW + ROW / 2
    colour = HUMAN_COLOUR if kind == "h" else MODEL_COLOUR
    shown = label + (" (provisional)" if provisional else "")
    parts = [
        f'<text x="{LABEL_WIDTH}" y="{y + 4:.1f}" text-anchor="end">{escape(shown[:48])}</text>'
    ]
    value, low, high = accuracy["accuracy"], accuracy["low"], accuracy["high"]
    if value is None or low is None or high is None:
        parts.append(f'<text x="{PLOT_LEFT}" y="{y + 4:.1f}">no data</text>')
        return "".join(parts)
    fill = "#ffffff" if provisional else colour
    title = f"{shown}: {value:.1%} (95% interval {low:.1%} to {high:.1%}, n = {accuracy['n']})"
    parts.append(
        f"<g><title>{escape(title)}</title>"
        f'<line x1="{_x(low):.1f}" x2="{_x(high):.1f}" y1="{y:.1f}" y2="{y:.1f}" '
        f'stroke="{colour}" stroke-width="2"/>'
        f'<circle cx="{_x(value):.1f}" cy="{y:.1f}" r="5" fill="{fill}" stroke="{colour}" '
        'stroke-width="2"/></g>'
    )
    return "".join(parts)


def chart_svg(*, results: PublicResults, source: str) -> str:
    """The chart of ``source`` ("all", "human" or "gpt4") as an SVG document."""
    rows = _rows(results, source)
    height = TOP + max(len(rows), 1) * ROW + BOTTOM
    title = f"{results['study']['title']}: accuracy, {results['labels'][source].lower()}"
    body = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="t" '
        'font-family="system-ui, sans-serif" font-size="12" fill="#1a1a1a">',
        f'<title id="t">{escape(title)}</title>',
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text x="10" y="20" font-size="14" font-weight="bold">{escape(title[:90])}</text>',
        '<text x="10" y="38" fill="#4d4d4d">Proportion correct with 95% interval; hollow: '
        "provisional</text>",
    ]
    axis_y = TOP + max(len(rows), 1) * ROW + 6
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = _x(tick)
        dash = ' stroke-dasharray="3 3"' if tick == 0.5 else ""
        body.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{axis_y}" stroke="#bfbfbf"{dash}/>'
            f'<text x="{x:.1f}" y="{axis_y + 14}" text-anchor="middle">{tick:.0%}</text>'
        )
    if not rows:
        body.append(f'<text x="{PLOT_LEFT}" y="{TOP + 16}">The figures are being computed.</text>')
    for index, row in enumerate(rows):
        body.append(_row_svg(index, *row))
    body.append("</svg>")
    return "".join(body)
