"""Small server-side SVG charts for the operator's statistics. Pure: data in, markup out; every label is
escaped with markupsafe, colours come from CSS classes (the CSP allows no inline styles)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

from markupsafe import Markup, escape

BRAND, ACCENT, MUTED = "#0b5394", "#0f7b6c", "#9aa5b1"


def _fmt_number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u202f")
    return f"{value:,.1f}".replace(",", "\u202f")


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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
    fmt = value_format or _fmt_number
    top, value_room = 8, 120
    plot = max(width - label_width - value_room, 40)
    peak = max((v for _, v in rows), default=0) or 1
    height = top * 2 + len(rows) * (bar_height + gap) - gap
    parts = [
        f'<svg class="chart-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar_height + gap)
        w = max(round(plot * value / peak, 1), 1 if value > 0 else 0)
        shown = escape(fmt(value))
        alt = " bar-alt" if highlight_last and i == len(rows) - 1 else ""
        colour = ACCENT if alt else BRAND
        parts.append(
            f'<g class="chart-row"><title>{escape(label)}: {shown}</title>'
            f'<text class="chart-label" x="{label_width - 8}" y="{y + bar_height * 0.7:.1f}" '
            f'text-anchor="end">{escape(_short(label, 26))}</text>'
            f'<rect class="bar{alt}" x="{label_width}" y="{y}" width="{w}" height="{bar_height}" rx="3" '
            f'fill="{colour}"></rect>'
            f'<text class="chart-value" x="{label_width + w + 6}" y="{y + bar_height * 0.7:.1f}">'
            f"{shown}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


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

    parts = [
        f'<svg class="chart-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        f'stroke="{MUTED}"></line>',
        f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="{MUTED}"></line>',
        f'<text class="chart-tick" x="{left - 6}" y="{top + 4}" text-anchor="end">'
        f"{escape(_fmt_number(peak))}</text>",
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
            f"{escape(_fmt_number(float(value)))}</title></rect>"
        )
    coords = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_, v) in enumerate(points))
    parts.append(
        f'<polyline class="line" points="{coords}" fill="none" stroke="{BRAND}" stroke-width="2.5">'
        f"</polyline>"
    )
    for i, (label, value) in enumerate(points):
        parts.append(
            f'<circle class="dot" cx="{x(i):.1f}" cy="{y(value):.1f}" r="3.5" fill="{BRAND}">'
            f"<title>{escape(label)}: {escape(_fmt_number(value))}</title></circle>"
        )
    ticks = sorted({0, n // 2, n - 1}) if n > 2 else list(range(n))
    for i in ticks:
        anchor = "start" if i == 0 and n > 1 else ("end" if i == n - 1 and n > 1 else "middle")
        parts.append(
            f'<text class="chart-tick" x="{x(i):.1f}" y="{height - 10}" text-anchor="{anchor}">'
            f"{escape(points[i][0])}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
