"""What the services read from the views: the reminder sweep's open targets and undelivered
reminders (`services.reminders.Sources`), and the dataset's linked measures
(`services.dataset.LinkedMeasures`). Built on the views' own queries."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from domain.framework import Framework
from domain.reminder_rules import FollowUp
from projections.views import audits, case_reviews, items, reminders

CHUNK = 500  # ids per IN (...) list


class ReminderSources:
    def __init__(self, engine: sa.Engine, framework: Framework) -> None:
        self.engine = engine
        self.review_subgroup = framework.case_reviews.subgroup if framework.case_reviews else None
        self.audit_subgroup = framework.audits.subgroup if framework.audits else None

    def follow_ups(self, due_by: date) -> list[FollowUp]:
        with self.engine.connect() as conn:
            rows = items.follow_ups_due(conn, due_by)
            clock_rows = case_reviews.running_clocks(conn, due_by)
            audit_docs = audits.planned(conn)  # a few a year
        return (
            [_item_follow_up(row) for row in rows]
            + [self._clock(row) for row in clock_rows]
            + [a for a in map(self._audit, audit_docs) if a.due <= due_by]
        )

    def open_dues(self, target_ids: set[str]) -> set[tuple[str, date]]:
        ids = sorted(target_ids)
        found: set[tuple[str, date]] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                reviews = sorted({i.split("/", 1)[0] for i in chunk if "/" in i})
                found.update(items.follow_up_dues(conn, chunk))
                found.update(case_reviews.clock_dues(conn, reviews))
                found.update(
                    (a.target_id, a.due) for a in map(self._audit, audits.planned(conn, chunk))
                )
        return {(target, due) for target, due in found if target in target_ids}

    def latest_occurrences(self) -> dict[tuple[str, date], date]:
        """For each (target, due date), the latest occurrence any reminder was issued for."""
        with self.engine.connect() as conn:
            return reminders.latest_occurrences(conn)

    def undelivered(self) -> set[str]:
        with self.engine.connect() as conn:
            return reminders.undelivered_ids(conn)

    def deliverable(self, now: datetime) -> list[str]:
        with self.engine.connect() as conn:
            return reminders.deliverable(conn, now)

    def _clock(self, row: sa.RowMapping) -> FollowUp:
        return FollowUp(
            kind="clock",
            target_id=f"{row['review_id']}/{row['name']}",
            stream_id=row["review_id"],
            subgroup=self.review_subgroup,
            due=row["due"],
            title=f"Case review {row['case_reference']}",
            description=row["label"],
        )

    def _audit(self, doc: dict) -> FollowUp:
        return FollowUp(
            kind="audit",
            target_id=doc["id"],
            stream_id=doc["id"],
            subgroup=self.audit_subgroup,
            due=date.fromisoformat(doc["planned_for"]),
            title=f"Audit {doc['reference']}: {doc['theme']}"
            if doc.get("reference")
            else f"Audit: {doc['theme']}",
            description=doc["kind"].replace("_", " "),
        )


def _titled(reference: str | None, title: str) -> str:
    """What a person reads a record by: its reference, then its title (ADR 0045)."""
    return title if reference is None else f"{reference}: {title}"


def _item_follow_up(row: Mapping[str, Any]) -> FollowUp:
    return FollowUp(
        kind=row["kind"],
        target_id=row["target_id"],
        stream_id=row["item_id"],
        subgroup=row["subgroup"],
        due=row["due"],
        title=_titled(row.get("item_reference"), row["item_title"]),
        description=row["description"],
        owner_email=row["owner_email"],
    )


class IndicatorMeasures:
    """The measures of open learning items that name an indicator, from the item summaries."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def naming(self, code: str) -> list[tuple[str, str]]:
        with self.engine.connect() as conn:
            return items.measures_naming(conn, code)
