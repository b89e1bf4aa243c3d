"""The annual report as GitHub-flavoured Markdown: headings, a table for every figure, the impact
narrative. No charts: the loop funnel becomes a table with a text bar."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from adapters.reports import format as f
from adapters.reports.sections import Sections

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def md(value: Any) -> str:
    """Text made inert in Markdown: no markup, no raw HTML, no broken table cells."""
    text = " ".join(str(value if value is not None else f.DASH).split())
    return _SPECIAL.sub(r"\\\1", text)


def table(head: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Iterable[int] = ()) -> str:
    right = set(numeric)
    align = ["---:" if i in right else "---" for i in range(len(head))]
    lines = ["| " + " | ".join(md(h) for h in head) + " |", "| " + " | ".join(align) + " |"]
    for row in rows:
        cells = [f.number(c) if isinstance(c, int | float) or c is None else md(c) for c in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def either(head: Sequence[str], rows: list, empty: str, numeric: Iterable[int] = ()) -> str:
    """The table, or the sentence that says there is nothing to tabulate."""
    return table(head, rows, numeric) if rows else md(empty)


def bar(count: int, top: int, width: int = 20) -> str:
    return "█" * round(width * count / top) if top and count else ""


def render_markdown(report: dict) -> bytes:
    s = Sections(report)
    out = [
        f"# Annual learning and improvement report {md(s.label)}",
        f"**{md(report.get('partnership', ''))}**  \nFramework: {md(report.get('framework', ''))}",
        f"Reporting year: {md(f.period_statement(report))}.  \n"
        f"**{md(f.position_statement(report))}** "
        f"Generated {md(f.timestamp(report.get('generated_at')))}.",
        "## Summary",
        *([md(s.empty_sentence)] if s.empty_year else []),
        table(("Figure", "Count"), s.summary_rows(), [1]),
        "## Subgroups",
    ]
    if not s.subgroups:
        out.append(md(s.no_subgroups))
    else:
        rag_rows = s.rag_rows() if s.any_actions() else []
        out += [
            "### Actions by RAG rating",
            either(s.rag_head, rag_rows, s.no_actions, range(1, 6)),
        ]
    for g in s.subgroups:
        counts = s.loop_counts(g)
        top = max(n for _, n in counts)
        out += [
            f"### {md(g.get('name', ''))} ({md(f.scope(g.get('scope')))})",
            table(("Figure", "Count"), s.subgroup_rows(g), [1]),
            "#### The learning loop",
            either(
                ("Stage", "Items", ""),
                [(k, n, bar(n, top)) for k, n in counts if top],
                s.no_loop(g),
                [1],
            ),
            "#### Needs identified by source",
            either(("Source", "Needs"), s.source_rows(g), s.no_needs(g), [1]),
            "#### Closed by override",
            either(s.override_head, s.override_rows(g), s.no_overrides(g)),
        ]
    out += ["## Impact", md(s.impact_intro)]
    for group in s.impact:
        out.append(f"### {md(group.get('name') or group.get('subgroup'))}")
        for item in group.get("items") or []:
            out.extend(_impact_item(item))
    out += [
        "### Items with little or no progress",
        either(s.progress_head, s.progress_rows(), s.no_little_progress),
        "## Case reviews",
        *([] if s.reviews.get("notified") else [md(s.no_reviews)]),
        table(("Figure", "Count"), s.review_rows(), [1]),
        "### Departures from the criteria",
        either(s.departure_head, s.departure_rows(), s.no_departures),
    ]
    if s.review_list:
        out += ["### Reviews", table(s.review_head, s.review_list_rows(), [5])]
    out += ["## Audits", md(s.audit_limit_sentence)]
    if s.audit_list:
        out += [table(("Kind", "Audits"), s.audit_kind_rows(), [1])]
    out.append(either(s.audit_head, s.audit_rows(), s.no_audits, [4]))
    out += ["## Dataset highlights", *([] if s.highlights else [md(s.no_highlights)])]
    for h in s.highlights:
        out += [
            f"### {md(h.get('name'))} ({md(h.get('code'))})",
            md(s.highlight_sentence(h)),
            either(s.series_head(h), s.series_rows(h), s.no_series, [1, 2, 3]),
        ]
        if h.get("major_changes"):
            out.append("Major changes in the year:")
        out.append(either(s.change_head, s.change_rows(h), s.no_major_changes, [1, 2, 3]))
    return ("\n\n".join(out) + "\n").encode("utf-8")


def _impact_item(item: dict) -> list[str]:
    source = item.get("source") or {}
    need = str(source.get("label") or f.humanise(source.get("kind")))
    if source.get("reference"):
        need += f", {source['reference']}"
    done = [
        f"- {md(a.get('means_label'))}: {md(a.get('description'))} "
        f"({md(a.get('owner'))}; {md(f.humanise(a.get('status')).lower())})"
        for a in item.get("actions") or []
    ]
    evidence = [
        f"- **{md(f.humanise(e.get('outcome')))}**, {md(e.get('measure'))}: "
        f"{md(e.get('summary'))} ({md(e.get('reference'))}, "
        f"recorded {md(f.long_date(e.get('recorded_at')))})"
        for e in item.get("evidence") or []
    ]
    return [
        f"#### {md(item.get('reference') or item.get('id'))}: {md(item.get('title'))}",
        f"**The need** ({md(need)}): {md(item.get('description'))}",
        "**What was done**",
        "\n".join(done) or "- No actions recorded.",
        "**The evidence**",
        "\n".join(evidence) or "- No evidence recorded.",
        f"Closed on {md(f.long_date(item.get('closed_at')))}.",
    ]
