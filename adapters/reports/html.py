"""The annual report as one self-contained HTML page (inline CSS, inline SVG charts), rendered by
Jinja2 with autoescaping on; the PDF is printed from the same page."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import ChainableUndefined, Environment, FileSystemLoader

from adapters.reports import charts, trend
from adapters.reports import format as f
from adapters.reports.sections import Sections

TEMPLATES = Path(__file__).parent / "templates"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        number=f.number,
        signed_pct=f.signed_pct,
        long_date=f.long_date,
        timestamp=f.timestamp,
        humanise=f.humanise,
        scope=f.scope,
        audit_kind=f.audit_kind,
    )
    env.globals.update(
        funnel=charts.funnel,
        rag_bars=charts.rag_bars,
        trend=trend.trend,
        outcomes=f.OUTCOMES,
    )
    return env


def render_html(report: dict) -> bytes:
    page = (
        environment()
        .get_template("annual.html.j2")
        .render(
            report=report,
            s=Sections(report),
            f=f,
            position=f.position_statement(report),
            period=f.period_statement(report),
        )
    )
    return page.encode("utf-8")
