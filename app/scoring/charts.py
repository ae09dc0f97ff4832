"""Server-side SVG charts of a review round: the budget bar, per-criterion score distributions and each
expert's raw vs calibrated totals. Pure: data in, markup out; the opening, palette and escaping conventions
are ``app.core.charts``'. The calibration is the same pure arithmetic the ranking uses
(``app.scoring.review.aggregate``)."""
from __future__ import annotations

import statistics
from collections.abc import Sequence

from markupsafe import Markup, escape

from app.core.charts import ACCENT, BRAND, MUTED, SOFT, short, svg_close, svg_open
from app.scoring.review import aggregate as agg


def _num(value: float) -> str:
    """A score as computed (``3.25``, ``17.33``), grouped only when huge."""
    return f"{value:g}" if abs(value) < 1e6 else f"{value:,.0f}".replace(",", "\u202f")


def budget_bar(budget: float, used: float, title: str, *, width: int = 640, height: int = 28) -> Markup:
    """One bar: the part of the budget the proposed funding line uses, and what remains."""
    budget, used = float(budget or 0), max(float(used or 0), 0.0)
    if budget <= 0:
        return Markup("")
    share = min(used / budget, 1.0)
    w = round(width * share, 1)
    parts = svg_open(width, height, title)
    parts.append(f'<rect class="sc-bar-rest" x="0" y="0" width="{width}" height="{height}" rx="6" '
                 f'fill="{SOFT}"></rect>')
    if w > 0:
        parts.append(f'<rect class="sc-bar-used" x="0" y="0" width="{w}" height="{height}" rx="6" '
                     f'fill="{BRAND}"><title>{escape(title)}</title></rect>')
    parts.append(f'<text class="sc-bar-text" x="{width / 2}" y="{height * 0.68:.1f}" text-anchor="middle">'
                 f"{round(share * 100, 1):g} %</text>")
    return svg_close(parts)


def distribution(values: Sequence[float], scale: Sequence[str], title: str, *, width: int = 300,
                 height: int = 150) -> Markup:
    """A histogram of the scores given on one criterion, one column per value of its scale."""
    if not scale:
        return Markup("")
    counts = {v: 0 for v in scale}
    for value in values:
        key = f"{float(value):g}"
        if key in counts:
            counts[key] += 1
    left, bottom, top = 6, 22, 14
    plot_h = height - bottom - top
    step = (width - 2 * left) / len(scale)
    peak = max(counts.values()) or 1
    parts = svg_open(width, height, title)
    parts.append(f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{width - left}" '
                 f'y2="{top + plot_h}" stroke="{MUTED}"></line>')
    for i, value in enumerate(scale):
        n = counts[value]
        h = plot_h * n / peak
        x = left + i * step
        parts.append(f'<g><title>{escape(value)}: {n}</title>'
                     f'<rect class="bar" x="{x + step * 0.15:.1f}" y="{top + plot_h - h:.1f}" '
                     f'width="{step * 0.7:.1f}" height="{h:.1f}" fill="{BRAND}"></rect>')
        if n:
            parts.append(f'<text class="chart-value" x="{x + step / 2:.1f}" y="{top + plot_h - h - 3:.1f}" '
                         f'text-anchor="middle">{n}</text>')
        if len(scale) <= 12 or i % 2 == 0:
            parts.append(f'<text class="chart-tick" x="{x + step / 2:.1f}" y="{height - 6}" '
                         f'text-anchor="middle">{escape(value)}</text>')
        parts.append("</g>")
    return svg_close(parts)


def criterion_distributions(criteria: Sequence[dict], reviews: Sequence[dict], names: dict[str, str],
                            scale_of) -> list[dict]:
    """One histogram per criterion over every submitted review's score. ``scale_of(criterion)`` gives the
    scale values (ascending strings)."""
    charts = []
    for c in criteria:
        values = [float(r["scores"][c["key"]]) for r in reviews if c["key"] in (r.get("scores") or {})]
        scale = list(scale_of(c))
        title = names.get(c["key"], c["key"])
        rows = [(v, sum(1 for x in values if f"{x:g}" == v)) for v in scale]
        charts.append({"key": c["key"], "title": title, "svg": distribution(values, scale, title),
                       "rows": rows, "n": len(values)})
    return charts


def expert_totals(reviews: Sequence[dict], keys: Sequence[str]) -> list[dict]:
    """Per expert (who reviewed): the mean raw total and the mean calibrated total, as the ranking computes
    them (z-scores of each expert's totals within the round, shrunk for experts with few reviews)."""
    pairs = [(r["expert_id"], agg.total(r.get("scores") or {}, keys)) for r in reviews if "expert_id" in r]
    calibration = agg.calibrate(pairs)
    by_expert: dict = {}
    for r in reviews:
        if "expert_id" not in r:
            continue
        raw = agg.total(r.get("scores") or {}, keys)
        entry = by_expert.setdefault(r["expert_id"], {"name": r.get("expert_name") or r.get("label", ""),
                                                      "raw": [], "calibrated": []})
        entry["raw"].append(raw)
        entry["calibrated"].append(calibration.adjust(r["expert_id"], raw))
    rows = [{"name": e["name"], "n": len(e["raw"]), "raw": round(statistics.fmean(e["raw"]), 2),
             "calibrated": round(statistics.fmean(e["calibrated"]), 2)} for e in by_expert.values()]
    rows.sort(key=lambda row: (-row["raw"], row["name"]))
    return rows


def paired_bars(rows: Sequence[dict], title: str, labels: tuple[str, str], *, width: int = 640,
                bar: int = 11, gap: int = 10, label_width: int = 190) -> Markup:
    """Two bars per row (``raw`` and ``calibrated``), with a legend."""
    if not rows:
        return Markup("")
    value_room, top = 54, 26
    plot = max(width - label_width - value_room, 40)
    peak = max(max(r["raw"], r["calibrated"]) for r in rows) or 1
    row_h = 2 * bar + 2 + gap
    height = top + len(rows) * row_h
    parts = svg_open(width, height, title)
    for k, (cls, colour) in enumerate((("sc-bar-raw", BRAND), ("sc-bar-cal", ACCENT))):
        x = label_width + k * 150
        parts.append(f'<rect class="{cls}" x="{x}" y="4" width="12" height="12" fill="{colour}"></rect>'
                     f'<text class="chart-label" x="{x + 16}" y="14">{escape(labels[k])}</text>')
    for i, row in enumerate(rows):
        y = top + i * row_h
        parts.append(f'<g><title>{escape(row["name"])}: {escape(labels[0])} {_num(row["raw"])}, '
                     f'{escape(labels[1])} {_num(row["calibrated"])}</title>'
                     f'<text class="chart-label" x="{label_width - 8}" y="{y + bar + 4}" text-anchor="end">'
                     f'{escape(short(row["name"], 28))}</text>')
        series = (("raw", "sc-bar-raw", BRAND), ("calibrated", "sc-bar-cal", ACCENT))
        for j, (key, cls, colour) in enumerate(series):
            w = max(round(plot * max(row[key], 0) / peak, 1), 0)
            yy = y + j * (bar + 2)
            parts.append(f'<rect class="{cls}" x="{label_width}" y="{yy}" width="{w}" height="{bar}" rx="2" '
                         f'fill="{colour}"></rect>'
                         f'<text class="chart-value" x="{label_width + w + 5}" y="{yy + bar - 1}">'
                         f'{_num(row[key])}</text>')
        parts.append("</g>")
    return svg_close(parts)
