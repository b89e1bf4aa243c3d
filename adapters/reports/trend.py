"""The trend chart: a highlighted dataset indicator's series over the periods of the year, against
its statistical neighbours and England, as inline SVG (see `charts`)."""

from __future__ import annotations

import math
from html import escape

from markupsafe import Markup

from adapters.reports.charts import ident, svg, text
from adapters.reports.format import number

# Okabe-Ito colours, each series with its own dash pattern and marker shape.
SERIES = (
    ("value", "Local", "#0072b2", "", "circle"),
    ("statistical_neighbours", "Statistical neighbours", "#d55e00", "7 4", "square"),
    ("england", "England", "#4d4d4d", "2 3", "diamond"),
)


def _nice_step(span: float) -> float:
    raw = span / 4 or 1
    magnitude = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * magnitude:
            return m * magnitude
    return 10 * magnitude


def trend(highlight: dict) -> Markup:
    """The indicator's series over the periods, against its statistical neighbours and England."""
    points = highlight.get("series") or []
    periods = [str(p.get("period", "")) for p in points]
    values = [
        float(p[key]) for p in points for key, *_ in SERIES if isinstance(p.get(key), int | float)
    ]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    step = _nice_step(hi - lo if hi > lo else abs(hi) or 1)
    lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
    if hi == lo:
        hi = lo + step
    width, height, left, right, top, bottom = 640, 270, 60, 20, 34, 36
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(i: int) -> float:
        return left + (plot_w * (i + 0.5) / len(periods) if periods else 0)

    def py(v: float) -> float:
        return top + plot_h * (hi - v) / (hi - lo)

    body = []
    tick = lo
    while tick <= hi + step / 1000:  # gridlines and y labels
        y = py(tick)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="#dddddd" stroke-width="1"/>'
        )
        body.append(text(left - 6, y + 4, number(tick), "end", ' fill="#555555"'))
        tick += step
    body.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        f'stroke="#555555" stroke-width="1"/>'
    )
    every = max(1, math.ceil(len(periods) / 8))
    for i, period in enumerate(periods):
        if i % every == 0:
            body.append(text(px(i), top + plot_h + 18, period, "middle"))
    x = left
    for _, name, colour, dash, shape in SERIES:  # legend
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(
            f'<line x1="{x}" y1="12" x2="{x + 26}" y2="12" stroke="{colour}" '
            f'stroke-width="2.5"{dashed}/>'
        )
        body.append(_marker(shape, x + 13, 12, colour))
        body.append(text(x + 32, 16, name))
        x += 60 + 7 * len(name)
    changed = {str(c.get("period")) for c in highlight.get("major_changes") or []}
    for key, _, colour, dash, shape in SERIES:
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        run: list[str] = []
        segments: list[list[str]] = []
        for i, p in enumerate(points):
            v = p.get(key)
            if isinstance(v, int | float):
                run.append(f"{px(i):.1f},{py(v):.1f}")
            elif run:
                segments.append(run)
                run = []
        segments.append(run)
        for seg in segments:
            if len(seg) > 1:
                body.append(
                    f'<polyline points="{" ".join(seg)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2.5"{dashed}/>'
                )
        for i, p in enumerate(points):
            v = p.get(key)
            if not isinstance(v, int | float):
                continue
            body.append(_marker(shape, px(i), py(v), colour))
            if key == "value":
                if periods[i] in changed:  # a ring marks a major change
                    body.append(
                        f'<circle cx="{px(i):.1f}" cy="{py(v):.1f}" r="8" fill="none" '
                        f'stroke="{colour}" stroke-width="1.5"/>'
                    )
                if len(points) <= 8:
                    body.append(
                        text(
                            px(i),
                            py(v) - 11,
                            number(v),
                            "middle",
                            f' fill="{colour}" font-weight="bold"',
                        )
                    )
    unit = highlight.get("unit") or ""
    title = f"{highlight.get('name', '')} ({unit}): trend against comparators"
    desc = "; ".join(
        f"{period}: "
        + ", ".join(
            f"{name} {number(p.get(key)) if p.get(key) is not None else 'no data'}"
            for key, name, *_ in SERIES
        )
        for period, p in zip(periods, points, strict=True)
    )
    return svg(
        ident("trend", highlight.get("code", "")),
        width,
        height,
        title,
        (desc or "No data") + ".",
        body,
        "trend",
        f' data-code="{escape(str(highlight.get("code", "")))}"',
    )


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if shape == "diamond":
        return (
            f'<polygon points="{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} '
            f'{x - 5:.1f},{y:.1f}" fill="{colour}"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'
