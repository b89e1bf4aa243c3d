"""Hand-written inline SVG charts for the annual report: the loop funnel and actions by RAG.

Each chart is a self-describing `<svg role="img">` with a `<title>` and `<desc>`, text labels on
the data (never colour alone), and fonts and colours set as attributes so that browsers and
WeasyPrint draw it the same. Every piece of text is escaped here: the result is safe markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape

from markupsafe import Markup

FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12"'
INK = "#1f1f1f"
FUNNEL_COLOURS = ("#08306b", "#2171b5", "#4292c6", "#6a51a3")
STAGES = (
    ("identification", "Identification"),
    ("improvement", "Improvement"),
    ("effectiveness", "Effectiveness"),
    ("closed", "Closed"),
)
# RAG colours with distinct lightness; each segment also carries a letter and its count.
RAG = (
    ("green", "G", "Green (on track)", "#1b7a3a", "#ffffff"),
    ("amber", "A", "Amber (at risk)", "#f2a900", "#1f1f1f"),
    ("red", "R", "Red (off track or overdue)", "#b3211f", "#ffffff"),
    ("complete", "C", "Complete", "#5b6770", "#ffffff"),
)


def ident(*parts: object) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", "-".join(str(p) for p in parts).lower()).strip("-")


def svg(
    ident: str,
    width: int,
    height: int,
    title: str,
    desc: str,
    body: Iterable[str],
    cls: str,
    extra: str = "",
) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{cls}" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" {FONT} fill="{INK}" '
        f'aria-labelledby="{ident}-t {ident}-d"{extra}>'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def text(x: float, y: float, text: object, anchor: str = "start", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{escape(str(text))}</text>'


def funnel(loop: dict, name: str, key: str) -> Markup:
    """The subgroup's loop: items identified, improving, with effectiveness measured, closed."""
    counts = [int(loop.get(stage, 0) or 0) for stage, _ in STAGES]
    top = max(max(counts), 1)
    width, row, gap, left, span = 600, 34, 12, 130, 380
    centre = left + span / 2
    height = len(STAGES) * (row + gap) + 4
    body: list[str] = []
    previous: tuple[float, float] | None = None
    for i, ((_, label), count) in enumerate(zip(STAGES, counts, strict=True)):
        y = 2 + i * (row + gap)
        half = max(span * count / top, 3) / 2
        if previous:  # the funnel's neck between two stages
            body.append(
                f'<polygon points="{centre - previous[0]:.1f},{previous[1]:.1f} '
                f"{centre + previous[0]:.1f},{previous[1]:.1f} {centre + half:.1f},{y:.1f} "
                f'{centre - half:.1f},{y:.1f}" fill="#d9e2ec"/>'
            )
        body.append(
            f'<rect x="{centre - half:.1f}" y="{y}" width="{2 * half:.1f}" height="{row}" '
            f'fill="{FUNNEL_COLOURS[i]}"/>'
        )
        body.append(text(left - 10, y + row / 2 + 4, label, "end"))
        body.append(text(centre + half + 8, y + row / 2 + 5, count, extra=' font-weight="bold"'))
        if i and counts[0]:
            share = f"{round(100 * count / counts[0])}%"
            body.append(text(width - 4, y + row / 2 + 4, share, "end", ' fill="#555555"'))
        previous = (half, y + row)
    desc = ", ".join(f"{label}: {c}" for (_, label), c in zip(STAGES, counts, strict=True))
    title = f"{name}: the learning loop as a funnel"
    return svg(
        ident("funnel", key),
        width,
        height,
        title,
        desc + ".",
        body,
        "funnel",
        f' data-subgroup="{escape(key)}"',
    )


def rag_bars(subgroups: Sequence[dict], label: str) -> Markup:
    """One stacked bar per subgroup: its actions by RAG rating."""
    rows = [(s.get("name", ""), (s.get("actions") or {}).get("by_rag") or {}) for s in subgroups]
    totals = [sum(int(r.get(k, 0) or 0) for k, *_ in RAG) for _, r in rows]
    top = max([*totals, 1])
    width, left, span, row, gap = 640, 230, 360, 24, 10
    legend_y = 14
    body = []
    x: float = left
    for _, letter, name, fill, _ in RAG:  # legend: swatch, letter and meaning
        body.append(f'<rect x="{x}" y="{legend_y - 10}" width="12" height="12" fill="{fill}"/>')
        body.append(text(x + 16, legend_y, f"{letter} = {name.split(' (')[0]}"))
        x += 100
    y = legend_y + 16
    for (name, by_rag), total in zip(rows, totals, strict=True):
        body.append(text(left - 8, y + row / 2 + 4, name, "end"))
        x = float(left)
        for key, letter, _, fill, ink in RAG:
            n = int(by_rag.get(key, 0) or 0)
            if not n:
                continue
            w = span * n / top
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row}" fill="{fill}" '
                f'stroke="#ffffff" stroke-width="1"/>'
            )
            if w >= 26:
                body.append(
                    text(x + w / 2, y + row / 2 + 4, f"{letter} {n}", "middle", f' fill="{ink}"')
                )
            x += w
        body.append(text(x + 6, y + row / 2 + 4, f"{total}", extra=' font-weight="bold"'))
        y += row + gap
    desc = "; ".join(
        f"{name}: "
        + ", ".join(f"{n.split(' (')[0].lower()} {int(r.get(k, 0) or 0)}" for k, _, n, *_ in RAG)
        for name, r in rows
    )
    return svg(
        ident("rag", label),
        width,
        y + 2,
        f"Actions by RAG rating, {label}",
        desc + ".",
        body,
        "rag",
    )
