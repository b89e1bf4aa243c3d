"""Reports: the annual report of the partnership's learning, reproducible at a log position."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from adapters.annual_report import FORMATS, build, render_report
from adapters.http.auth import App, Reader, hidden_subgroups
from adapters.http.params import MAX_POSITION

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


@router.get("/annual")
def annual(
    ll: App,
    actor: Reader,
    year: Annotated[int, Query(description="the reporting year 1 April YYYY to 31 March YYYY+1")],
    format: Annotated[str, Query(description="json, html, md or pdf")] = "json",
    as_at: Annotated[
        int | None, Query(ge=0, le=MAX_POSITION, description="an event-log position")
    ] = None,
) -> Response:
    report = build(ll, year, as_at, hidden_subgroups(ll, actor))
    body = render_report(report, format)
    filename = f"learnloop-annual-report-{year}.{format}"
    return Response(
        body,
        media_type=FORMATS[format],
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )
