"""The annual report's figures for a reporting year (1 April to 31 March), built from the log up
to a position. The year is described as it stood at its end (or at the position, if earlier):
the documents' versions valid then and open at some time in the year. So the cost follows the
year's items, not the years of history, and the same position gives the same figures whatever
was recorded since."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from domain.framework import Framework
from domain.reporting_year import year_bounds, year_label
from projections import report_sections, schema
from projections.dataset_view import indicator_versions
from projections.records import naive_utc

Doc = dict[str, Any]


def documents_as_at(
    conn: sa.Connection, table: sa.Table, position: int, start: date, end: date
) -> list[Doc]:
    """The documents as they stood at `position` that were open at some time from `start` to
    `end`. Spans are stored as UTC dates, so a day either side is read and the sections then
    judge each date in the partnership's time zone."""
    day = timedelta(days=1)
    query = (
        sa.select(table.c.doc)
        .where(table.c.position <= position)
        .where(sa.or_(table.c.valid_to.is_(None), table.c.valid_to > position))
        .where(table.c.until_on >= start - day)
        .where(table.c.created_on <= end + day)
        .order_by(table.c.created_on, table.c.id)
    )
    return list(conn.execute(query).scalars())


def year_end_position(conn: sa.Connection, position: int, end: date, timezone: str) -> int:
    """The last log position recorded by the end of the year's last day (local time), or
    `position` if that is earlier: the state the year ended in, as the log knew it then."""
    midnight = datetime.combine(end + timedelta(days=1), time.min, tzinfo=ZoneInfo(timezone))
    cutoff = naive_utc(midnight)
    trail = schema.audit_trail
    query = sa.select(sa.func.max(trail.c.position)).where(
        trail.c.position <= position, trail.c.recorded_at < cutoff
    )
    return conn.execute(query).scalar() or 0


def annual_report(
    engine: sa.Engine,
    framework: Framework,
    year: int,
    position: int,
    today: date,
    generated_at: datetime,
    extra: dict[str, Any] | None = None,
    hidden_subgroups: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """`position` must not be past what the views have applied; `today` is the partnership's
    date, used for what is overdue when the year has not yet ended."""
    start, end = year_bounds(year)
    with engine.connect() as conn:
        at = year_end_position(conn, position, end, framework.timezone)

        def read(table: sa.Table, upto: int) -> list[Doc]:
            return documents_as_at(conn, table, upto, start, end)

        # Learning items are dated by when their events were recorded, so the year's end holds
        # all of the year's; reviews, audits and the dataset carry dates people enter, which may
        # be recorded after the year: their figures read the log up to `position`.
        items = [d for d in read(schema.item_versions, at) if d["subgroup"] not in hidden_subgroups]
        reviews, reviews_at_end = (
            read(schema.case_review_versions, position),
            read(schema.case_review_versions, at),
        )
        audits, audits_at_end = (
            read(schema.audit_versions, position),
            read(schema.audit_versions, at),
        )
        indicators = read(indicator_versions, position)
    period = report_sections.Period(start, end, min(end, today), framework.timezone)
    report: dict[str, Any] = {
        "partnership": framework.name,
        "framework": framework.name,
        "year": year,
        "label": year_label(year),
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "as_at_position": position,
        "year_end_position": at,
        "generated_at": generated_at.isoformat(),
        **report_sections.learning(items, _visible(framework, hidden_subgroups), period),
        "case_reviews": report_sections.case_reviews(reviews, reviews_at_end, period),
        "audits": report_sections.audits(audits, audits_at_end, framework, year, period),
        "dataset": report_sections.dataset(indicators, year),
    }
    report.update(extra or {})
    return report


def _visible(framework: Framework, hidden: frozenset[str]) -> Framework:
    """The framework as a reader who may not see restricted subgroups' learning reads it."""
    if not hidden:
        return framework
    return replace(
        framework, subgroups=tuple(s for s in framework.subgroups if s.slug not in hidden)
    )
