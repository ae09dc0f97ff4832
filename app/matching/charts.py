"""Server-side SVG charts of the matching pages: the Concept's indicators against their yearly targets, the
investor's pipeline funnel and the score bar of a match.

Pure: data and already-translated labels in, markup out, by the conventions of ``app.core.charts`` (escaped
labels, CSS classes with presentation attributes as a fallback, a ``<title>`` and an ``aria-label``); the
pages also give the numbers as a table."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from markupsafe import Markup, escape

from app.core.charts import ACCENT, BRAND, MUTED, SOFT, TARGET, nice_ceiling, number, svg_close, svg_open


def target_chart(years: Sequence[int], actual: Mapping[int, float], targets: Mapping[int, float], *,
                 title: str, actual_label: str, target_label: str, kind: str = "line",
                 baseline: tuple[int, float] | None = None, fmt: Callable[[float], str] | None = None,
                 width: int = 560, height: int = 280) -> Markup:
    """The platform's figure per year (a line or columns) with the Concept's targets drawn as a dashed line
    (the legend is HTML beside the chart, so long translations wrap).

    ``years`` are the x points in order; a year absent from ``actual`` is drawn as zero only between the first
    and the last year that have data (the future stays blank); ``baseline`` is the Concept's base-year value,
    shown on the target line."""
    years = [int(y) for y in years]
    if not years:
        return Markup("")
    fmt = fmt or number
    left, right, top, bottom = 56, 16, 14, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    target_points = [(y, float(targets[y])) for y in years if y in targets]
    if baseline is not None and baseline[0] in years:
        target_points = sorted([(int(baseline[0]), float(baseline[1])), *target_points])
    with_data = [y for y in actual if y in years]
    first_actual, last_actual = (min(with_data), max(with_data)) if with_data else (None, None)
    actual_points = [(y, float(actual.get(y, 0) or 0)) for y in years
                     if first_actual is not None and first_actual <= y <= last_actual]
    peak = max([v for _, v in target_points] + [v for _, v in actual_points] + [0])
    axis_top, step = nice_ceiling(peak)
    n = len(years)
    slot = plot_w / n

    def x(year: int) -> float:
        return left + slot * (years.index(year) + 0.5)

    def y(value: float) -> float:
        return top + plot_h - plot_h * value / axis_top

    parts = svg_open(width, height, title, "chart-svg chart-target")
    # Grid and y ticks.
    ticks = round(axis_top / step)
    for i in range(ticks + 1):
        value = step * i
        ty = y(value)
        parts.append(f'<line class="grid" x1="{left}" y1="{ty:.1f}" x2="{left + plot_w}" y2="{ty:.1f}" '
                     f'stroke="{SOFT}" stroke-width="1"></line>'
                     f'<text class="chart-tick" x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end">'
                     f'{escape(fmt(value))}</text>')
    # X labels (every year when they fit, else every other one).
    every = 1 if slot >= 34 else 2
    for i, year in enumerate(years):
        if i % every == 0 or i == n - 1:
            parts.append(f'<text class="chart-tick" x="{x(year):.1f}" y="{height - 12}" text-anchor="middle">'
                         f'{year}</text>')
    # The platform's figures.
    if kind == "bars":
        column = max(min(slot * 0.6, 34), 3)
        for year, value in actual_points:
            if value <= 0:
                continue
            h = plot_h * value / axis_top
            parts.append(f'<rect class="bar" x="{x(year) - column / 2:.1f}" y="{top + plot_h - h:.1f}" '
                         f'width="{column:.1f}" height="{h:.1f}" rx="2" fill="{BRAND}">'
                         f'<title>{escape(actual_label)} {year}: {escape(fmt(value))}</title></rect>')
    elif actual_points:
        coords = " ".join(f"{x(yr):.1f},{y(v):.1f}" for yr, v in actual_points)
        parts.append(f'<polyline class="line" points="{coords}" fill="none" stroke="{BRAND}" '
                     f'stroke-width="3"></polyline>')
        for year, value in actual_points:
            parts.append(f'<circle class="dot" cx="{x(year):.1f}" cy="{y(value):.1f}" r="4" fill="{BRAND}">'
                         f'<title>{escape(actual_label)} {year}: {escape(fmt(value))}</title></circle>')
    # The targets.
    if target_points:
        coords = " ".join(f"{x(yr):.1f},{y(v):.1f}" for yr, v in target_points)
        parts.append(f'<polyline class="target-line" points="{coords}" fill="none" stroke="{TARGET}" '
                     f'stroke-width="2.5" stroke-dasharray="6 4"></polyline>')
        for year, value in target_points:
            parts.append(f'<circle class="target-dot" cx="{x(year):.1f}" cy="{y(value):.1f}" r="3" '
                         f'fill="{TARGET}">'
                         f'<title>{escape(target_label)} {year}: {escape(fmt(value))}</title></circle>')
    base = top + plot_h
    parts.append(f'<line class="axis" x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" '
                 f'stroke="{MUTED}"></line>')
    return svg_close(parts)


def funnel(stages: Sequence[tuple[str, float]], *, title: str, width: int = 520, row: int = 40, gap: int = 8,
           fmt: Callable[[float], str] | None = None) -> Markup:
    """A centred funnel: one bar per stage, its width proportional to the first stage's count."""
    stages = [(str(label), float(value or 0)) for label, value in stages]
    if not stages:
        return Markup("")
    fmt = fmt or number
    peak = max(v for _, v in stages) or 1
    height = len(stages) * (row + gap) - gap
    minimum = 96  # a stage with few items keeps a visible bar; its label may overflow it (dark on light)
    parts = svg_open(width, height, title, "chart-svg chart-funnel")
    for i, (label, value) in enumerate(stages):
        w = minimum + (width - minimum) * value / peak
        bx = (width - w) / 2
        by = i * (row + gap)
        tone = "funnel-bar" if i < len(stages) - 1 else "funnel-bar funnel-last"
        colour = "#cfe0f3" if i < len(stages) - 1 else "#cdebe6"
        parts.append(f'<g class="funnel-stage"><title>{escape(label)}: {escape(fmt(value))}</title>'
                     f'<rect class="{tone}" x="{bx:.1f}" y="{by}" width="{w:.1f}" height="{row}" rx="6" '
                     f'fill="{colour}"></rect>'
                     f'<text class="funnel-text" x="{width / 2:.1f}" y="{by + row * 0.64:.1f}" '
                     f'text-anchor="middle" '
                     f'fill="#1b2430">{escape(label)}: {escape(fmt(value))}</text></g>')
    return svg_close(parts)


def score_bar(score: float, label: str, *, width: int = 120, height: int = 10) -> Markup:
    """A small horizontal bar for a match score in [0, 1]; ``label`` is its accessible text."""
    score = min(max(float(score or 0), 0.0), 1.0)
    filled = round(width * score, 1)
    parts = svg_open(width, height, label, "score-bar")
    parts.append(f'<rect class="score-track" x="0" y="0" width="{width}" height="{height}" rx="{height / 2}" '
                 f'fill="{SOFT}"></rect>'
                 f'<rect class="score-fill" x="0" y="0" width="{filled}" height="{height}" rx="{height / 2}" '
                 f'fill="{ACCENT}"></rect>')
    return svg_close(parts)
