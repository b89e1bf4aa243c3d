"""`render(report, fmt)`: the annual report (built elsewhere as a plain dict) as bytes in a format.

The same dict always gives the same bytes: nothing here reads the clock or the event log.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from adapters.reports.html import render_html
from adapters.reports.markdown import render_markdown
from adapters.reports.pdf import render_pdf

CONTENT_TYPES = {
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


def render_json(report: dict) -> bytes:
    return (json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n").encode("utf-8")


_RENDERERS: dict[str, Callable[[dict], bytes]] = {
    "json": render_json,
    "md": render_markdown,
    "html": render_html,
    "pdf": render_pdf,
}
FORMATS = tuple(_RENDERERS)


def render(report: dict, fmt: str) -> bytes:
    """The report in `fmt` (one of FORMATS: json, md, html, pdf); ValueError for any other."""
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise ValueError(
            f"unknown report format {fmt!r}; expected one of: {', '.join(FORMATS)}"
        ) from None
    return renderer(report)
