"""Server-rendered SVG charts for the staff console: no chart library, no CDN, nothing to run in the page.

Each chart is one ``<svg role="img">`` with a title for screen readers, a ``<title>`` on every bar, and
the same figures in a table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 220, 40, 28, 12


def bar_chart(
    label: str, days: Sequence[str], series: Sequence[tuple[str, str, Sequence[int]]], tooltip: str
) -> Markup:
    """Stacked bars per day. ``series``: (name, css class, one value per day), stacked in that order.
    ``tooltip``: a format with {day} and one {name} field per series."""
    totals = [sum(values[i] for _, _, values in series) for i in range(len(days))]
    top = max([*totals, 1])
    step = (WIDTH - LEFT - 8) / max(len(days), 1)
    bar = max(step * 0.7, 1.0)
    plot = HEIGHT - BOTTOM - TOP
    parts = [
        f'<svg class="qa-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(label)}</title>",
    ]
    for value in sorted({0, top // 2, top}):  # whole-number axis ticks
        fraction = value / top
        y = TOP + plot * (1 - fraction)
        parts.append(f'<line class="qa-grid" x1="{LEFT}" x2="{WIDTH - 4}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="qa-axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{value}</text>')
    for i, day in enumerate(days):
        x = LEFT + i * step + (step - bar) / 2
        base = float(TOP + plot)
        figures = {name: values[i] for name, _, values in series}
        parts.append(f'<g class="qa-day"><title>{escape(tooltip.format(day=day, **figures))}</title>')
        for _, css, values in series:
            h = plot * values[i] / top
            if h > 0:
                parts.append(f'<rect class="{css}" x="{x:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}"/>')
                base -= h
        parts.append("</g>")
        if len(days) <= 14 or i % max(len(days) // 7, 1) == 0:
            middle = x + bar / 2
            tick = escape(day[5:])
            parts.append(f'<text class="qa-axis" x="{middle:.1f}" y="{HEIGHT - 8}" text-anchor="middle">{tick}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped
