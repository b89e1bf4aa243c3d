"""The annual report for a chosen year: shown in the page, downloadable as PDF, Markdown, JSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from adapters.annual_report import FORMATS, build, render_report
from adapters.web.pages import HEADERS, Visit, WebError, render, visit
from domain.errors import InvalidField

router = APIRouter()
Visitor = Annotated[Visit, Depends(visit)]
DOWNLOADS = {"pdf": "PDF", "md": "Markdown", "json": "JSON"}


def _year(v: Visit, raw: str) -> int:
    if not raw:
        today = v.today
        return today.year if today.month >= 4 else today.year - 1
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise WebError(404, "Page not found", "Choose a reporting year such as 2026.")
    return int(raw)


@router.get("/reports")
def reports(request: Request, v: Visitor, year: str = "") -> Response:
    chosen = _year(v, year.strip())
    return render(
        request,
        "reports.html",
        visit=v,
        title="Annual report",
        year=chosen,
        years=list(range(chosen + 1, chosen - 6, -1)),
        downloads=DOWNLOADS,
    )


@router.get("/reports/annual.{fmt}")
def annual(v: Visitor, fmt: str, year: str = "") -> Response:
    if fmt not in FORMATS:
        raise WebError(404, "Page not found", "The report comes as PDF, Markdown, JSON or HTML.")
    chosen = _year(v, year.strip())
    try:
        body = render_report(build(v.ll, chosen, None, v.hidden()), fmt)
    except InvalidField as exc:
        raise WebError(404, "Page not found", exc.message) from None
    disposition = "inline" if fmt == "html" else "attachment"
    filename = f"learnloop-annual-report-{chosen}.{fmt}"
    headers = {**HEADERS, "Content-Disposition": f'{disposition}; filename="{filename}"'}
    return Response(body, media_type=FORMATS[fmt], headers=headers)
