"""What the reminder sweep reads: every open target with a due date, and the reminders not yet
delivered. Implements `services.reminders.Sources` over the read models."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from domain.framework import Framework
from domain.reminder_rules import FollowUp
from projections import reminder_log, schema

CHUNK = 500  # ids per IN (...) list


class ReminderSources:
    def __init__(self, engine: sa.Engine, framework: Framework) -> None:
        self.engine = engine
        self.review_subgroup = framework.case_reviews.subgroup if framework.case_reviews else None
        self.audit_subgroup = framework.audits.subgroup if framework.audits else None

    def follow_ups(self, due_by: date) -> list[FollowUp]:
        follow, clocks, audits = schema.follow_ups, schema.review_clocks, schema.audits
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(follow).where(follow.c.due <= due_by)).mappings().all()
            running = sa.select(clocks).where(clocks.c.met_on.is_(None), clocks.c.due <= due_by)
            clock_rows = conn.execute(running).mappings().all()
            planned = sa.select(audits.c.doc).where(audits.c.status == "planned")
            audit_docs = conn.execute(planned).scalars().all()  # a few a year
        return (
            [_item_follow_up(row) for row in rows]
            + [self._clock(row) for row in clock_rows]
            + [a for a in map(self._audit, audit_docs) if a.due <= due_by]
        )

    def open_dues(self, target_ids: set[str]) -> set[tuple[str, date]]:
        follow, clocks, audits = schema.follow_ups, schema.review_clocks, schema.audits
        ids = sorted(target_ids)
        found: set[tuple[str, date]] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                query = sa.select(follow.c.target_id, follow.c.due)
                found.update(conn.execute(query.where(follow.c.target_id.in_(chunk))).tuples())
                reviews = sorted({i.split("/", 1)[0] for i in chunk if "/" in i})
                running = sa.select(clocks.c.review_id, clocks.c.name, clocks.c.due).where(
                    clocks.c.met_on.is_(None), clocks.c.review_id.in_(reviews)
                )
                for review_id, name, due in conn.execute(running):
                    found.add((f"{review_id}/{name}", due))
                planned = sa.select(audits.c.doc).where(
                    audits.c.status == "planned", audits.c.id.in_(chunk)
                )
                found.update(
                    (a.target_id, a.due) for a in map(self._audit, conn.execute(planned).scalars())
                )
        return {(target, due) for target, due in found if target in target_ids}

    def latest_occurrences(self) -> dict[tuple[str, date], date]:
        """For each (target, due date), the latest occurrence any reminder was issued for."""
        table = reminder_log.reminders_table
        query = sa.select(table.c.target_id, table.c.due, sa.func.max(table.c.occurrence)).group_by(
            table.c.target_id, table.c.due
        )
        with self.engine.connect() as conn:
            return {(target, due): latest for target, due, latest in conn.execute(query)}

    def undelivered(self) -> set[str]:
        return reminder_log.undelivered_ids(self.engine)

    def deliverable(self, now: datetime) -> list[str]:
        return reminder_log.deliverable(self.engine, now)

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
            title=f"Audit: {doc['theme']}",
            description=doc["kind"].replace("_", " "),
        )


def _item_follow_up(row: sa.RowMapping) -> FollowUp:
    return FollowUp(
        kind=row["kind"],
        target_id=row["target_id"],
        stream_id=row["item_id"],
        subgroup=row["subgroup"],
        due=row["due"],
        title=row["item_title"],
        description=row["description"],
        owner_email=row["owner_email"],
    )
