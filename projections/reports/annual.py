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
from projections.documents import documents_as_at
from projections.reports import sections
from projections.views.audit_trail import last_position_before
from projections.views.audits import audit_versions
from projections.views.case_reviews import case_review_versions
from projections.views.indicators import indicator_versions
from projections.views.items import item_versions

Doc = dict[str, Any]


def year_end_position(conn: sa.Connection, position: int, end: date, timezone: str) -> int:
    """The last log position recorded by the end of the year's last day (local time), or
    `position` if that is earlier: the state the year ended in, as the log knew it then."""
    midnight = datetime.combine(end + timedelta(days=1), time.min, tzinfo=ZoneInfo(timezone))
    return last_position_before(conn, position, midnight)


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

        # Every step carries the day it happened (ADR 0040), which may be recorded after the
        # year: the figures read the log up to `position` and count by those days; the state
        # the year ended in (stages, RAG, lists) reads it as it stood at the year's end.
        def visible(docs: list[Doc]) -> list[Doc]:
            return [d for d in docs if d["subgroup"] not in hidden_subgroups]

        items = visible(read(item_versions, position))
        items_at_end = visible(read(item_versions, at))
        reviews, reviews_at_end = (
            read(case_review_versions, position),
            read(case_review_versions, at),
        )
        audits, audits_at_end = (
            read(audit_versions, position),
            read(audit_versions, at),
        )
        indicators = read(indicator_versions, position)
    period = sections.Period(start, end, min(end, today), framework.timezone)
    report: dict[str, Any] = {
        "partnership": framework.name,
        "framework": framework.name,
        "year": year,
        "label": year_label(year),
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "as_at_position": position,
        "year_end_position": at,
        "generated_at": generated_at.isoformat(),
        **sections.learning(items, _visible(framework, hidden_subgroups), period, items_at_end),
        "case_reviews": sections.case_reviews(reviews, reviews_at_end, period),
        "audits": sections.audits(audits, audits_at_end, framework, year, period),
        "dataset": sections.dataset(indicators, year),
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
