"""Small server-side SVG charts, shared by every domain. Pure: data and already-translated labels in, markup
out. Every label is escaped with markupsafe; colours come from CSS classes (the CSP allows no inline styles)
with SVG presentation attributes as a fallback. Each chart has a ``<title>`` and an ``aria-label``; the pages
also give the numbers as a table.

Here: the palette, the opening and closing of a chart, number formatting and axis bounds, and the generic
charts (horizontal bars, a line over daily columns). Each domain's ``charts.py`` keeps the charts that only
it draws (the score distributions, the Concept's targets, the pipeline funnel...)."""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date, timedelta

from markupsafe import Markup, escape

BRAND, ACCENT, TARGET, MUTED, SOFT = "#0b5394", "#0f7b6c", "#a15c00", "#9aa5b1", "#c9d3df"


def number(value: float) -> str:
    """A figure for a label: thin-space thousands, one decimal from 10 up, at most two below."""
    value = float(value)
    if value.is_integer():
        return f"{int(value):,}".replace(",", "\u202f")
    if abs(value) >= 10:
        return f"{value:,.1f}".replace(",", "\u202f")
    return f"{value:.2f}".rstrip("0").rstrip(".")


def short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def nice_ceiling(value: float) -> tuple[float, float]:
    """A round upper bound for an axis and its tick step (1, 2, 2.5 or 5 times a power of ten)."""
    value = float(value)
    if value <= 0:
        return 1.0, 0.25
    raw = value / 4
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * power
        if step >= raw:
            break
    top = step * math.ceil(value / step - 1e-9)
    return top, step


def svg_open(width: float, height: float, title: str, css: str = "chart-svg") -> list[str]:
    """The opening of an accessible chart: the ``<svg>`` element with its label, then its ``<title>``."""
    return [(f'<svg class="{css}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">'),
            f"<title>{escape(title)}</title>"]


def svg_close(parts: list[str]) -> Markup:
    return Markup("".join([*parts, "</svg>"]))


def bar_chart(
    rows: Sequence[tuple[str, float]],
    title: str,
    *,
    value_format: Callable | None = None,
    width: int = 520,
    bar_height: int = 22,
    gap: int = 8,
    label_width: int = 190,
    highlight_last: bool = False,
) -> Markup:
    """A horizontal bar chart: one row per (label, value). Returns empty markup when there is no data."""
    rows = [(str(label), float(value or 0)) for label, value in rows]
    if not rows:
        return Markup("")
    fmt = value_format or number
    top, value_room = 8, 120
    plot = max(width - label_width - value_room, 40)
    peak = max((v for _, v in rows), default=0) or 1
    height = top * 2 + len(rows) * (bar_height + gap) - gap
    parts = svg_open(width, height, title)
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar_height + gap)
        w = max(round(plot * value / peak, 1), 1 if value > 0 else 0)
        shown = escape(fmt(value))
        alt = " bar-alt" if highlight_last and i == len(rows) - 1 else ""
        colour = ACCENT if alt else BRAND
        parts.append(
            f'<g class="chart-row"><title>{escape(label)}: {shown}</title>'
            f'<text class="chart-label" x="{label_width - 8}" y="{y + bar_height * 0.7:.1f}" '
            f'text-anchor="end">{escape(short(label, 26))}</text>'
            f'<rect class="bar{alt}" x="{label_width}" y="{y}" width="{w}" height="{bar_height}" rx="3" '
            f'fill="{colour}"></rect>'
            f'<text class="chart-value" x="{label_width + w + 6}" y="{y + bar_height * 0.7:.1f}">'
            f"{shown}</text></g>"
        )
    return svg_close(parts)


def daily_series(by_day: dict[str, int]) -> list[tuple[str, int]]:
    """Counts per ISO day, with the days in between filled with zeros."""
    if not by_day:
        return []
    days = sorted(date.fromisoformat(d) for d in by_day)
    series, day = [], days[0]
    while day <= days[-1]:
        series.append((day.isoformat(), int(by_day.get(day.isoformat(), 0))))
        day += timedelta(days=1)
    return series


def cumulative(series: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    total, out = 0, []
    for label, value in series:
        total += value
        out.append((label, total))
    return out


def line_chart(
    points: Sequence[tuple[str, float]],
    title: str,
    *,
    daily: Sequence[tuple[str, float]] = (),
    width: int = 520,
    height: int = 220,
) -> Markup:
    """A line (e.g. the cumulative count) over labelled x points, with optional daily columns beneath."""
    points = [(str(label), float(value or 0)) for label, value in points]
    if not points:
        return Markup("")
    left, right, top, bottom = 44, 16, 16, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(max(v for _, v in points), max((float(v) for _, v in daily), default=0)) or 1
    n = len(points)
    step = plot_w / max(n - 1, 1)

    def x(i):
        return left + (i * step if n > 1 else plot_w / 2)

    def y(v):
        return top + plot_h - plot_h * v / peak

    parts = svg_open(width, height, title) + [
        f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        f'stroke="{MUTED}"></line>',
        f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="{MUTED}"></line>',
        f'<text class="chart-tick" x="{left - 6}" y="{top + 4}" text-anchor="end">'
        f"{escape(number(peak))}</text>",
        f'<text class="chart-tick" x="{left - 6}" y="{top + plot_h}" text-anchor="end">0</text>',
    ]
    column = max(min(step * 0.6, 18), 2)
    for i, (label, value) in enumerate(daily):
        if i >= n or not value:
            continue
        h = plot_h * float(value) / peak
        parts.append(
            f'<rect class="bar bar-soft" x="{x(i) - column / 2:.1f}" y="{top + plot_h - h:.1f}" '
            f'width="{column:.1f}" height="{h:.1f}" fill="{MUTED}"><title>{escape(label)}: '
            f"{escape(number(float(value)))}</title></rect>"
        )
    coords = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_, v) in enumerate(points))
    parts.append(
        f'<polyline class="line" points="{coords}" fill="none" stroke="{BRAND}" stroke-width="2.5">'
        f"</polyline>"
    )
    for i, (label, value) in enumerate(points):
        parts.append(
            f'<circle class="dot" cx="{x(i):.1f}" cy="{y(value):.1f}" r="3.5" fill="{BRAND}">'
            f"<title>{escape(label)}: {escape(number(value))}</title></circle>"
        )
    ticks = sorted({0, n // 2, n - 1}) if n > 2 else list(range(n))
    for i in ticks:
        anchor = "start" if i == 0 and n > 1 else ("end" if i == n - 1 and n > 1 else "middle")
        parts.append(
            f'<text class="chart-tick" x="{x(i):.1f}" y="{height - 10}" text-anchor="{anchor}">'
            f"{escape(points[i][0])}</text>"
        )
    return svg_close(parts)
