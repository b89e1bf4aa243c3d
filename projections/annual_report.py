"""The annual report's figures for a reporting year (1 April to 31 March), as the read models
stood at a log position. It reads the documents' versions valid at that position and open at
some time in the year, so its cost follows the year's items, not the years of history, and it
gives the same figures at the same position whatever was recorded since."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from domain.framework import Framework
from domain.reporting_year import year_bounds, year_label
from projections import report_sections, schema

Doc = dict[str, Any]


def documents_as_at(
    conn: sa.Connection, table: sa.Table, position: int, start: date, end: date
) -> list[Doc]:
    query = (
        sa.select(table.c.doc)
        .where(table.c.position <= position)
        .where(sa.or_(table.c.valid_to.is_(None), table.c.valid_to > position))
        .where(table.c.created_on <= end)
        .where(sa.or_(table.c.closed_on.is_(None), table.c.closed_on >= start))
        .order_by(table.c.created_on, table.c.id)
    )
    return list(conn.execute(query).scalars())


def annual_report(
    engine: sa.Engine,
    framework: Framework,
    year: int,
    position: int,
    today: date,
    generated_at: datetime,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """`position` must not be past what the views have applied; `today` is the partnership's
    date, used for what is overdue when the year has not yet ended."""
    start, end = year_bounds(year)
    with engine.connect() as conn:
        items = documents_as_at(conn, schema.item_versions, position, start, end)
        reviews = documents_as_at(conn, schema.case_review_versions, position, start, end)
        audits = documents_as_at(conn, schema.audit_versions, position, start, end)
    period = report_sections.Period(start, end, min(end, today), framework.timezone)
    report: dict[str, Any] = {
        "partnership": framework.name,
        "framework": framework.name,
        "year": year,
        "label": year_label(year),
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "as_at_position": position,
        "generated_at": generated_at.isoformat(),
        **report_sections.learning(items, framework, period),
        "case_reviews": report_sections.case_reviews(reviews, period),
        "audits": report_sections.audits(audits, framework, year, period),
        "dataset": {"highlights": []},
    }
    report.update(extra or {})
    return report
