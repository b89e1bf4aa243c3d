"""The annual report, for the CLI and the API: figures from the read models as they stood at a
log position (default: everything the views have applied), rendered in one format."""

from __future__ import annotations

from typing import Any

from adapters.handle import Learnloop
from domain.errors import InvalidField
from projections.reports.annual import annual_report

FORMATS = {
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


def build(
    ll: Learnloop, year: int, as_at: int | None = None, hidden: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """`hidden`: restricted subgroups the reader may not see, left out of the report."""
    reached = ll.projector.catch_up()
    if as_at is not None and (as_at < 0 or as_at > reached):
        raise InvalidField("as_at", f"position {as_at} is not in the event log (0 to {reached})")
    if not 2000 <= year <= 2100:
        raise InvalidField("year", "expected a reporting year such as 2026 (for 2026/27)")
    position = reached if as_at is None else as_at
    return annual_report(
        ll.store.engine,
        ll.framework,
        year,
        position,
        ll.learning.today(),
        ll.clock(),
        hidden_subgroups=hidden,
    )


def render_report(report: dict[str, Any], fmt: str) -> bytes:
    from adapters.reports import render

    if fmt not in FORMATS:
        raise InvalidField("format", f"expected one of: {', '.join(FORMATS)}")
    return render(report, fmt)
