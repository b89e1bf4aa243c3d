"""Reading the views. Every GET of current state reads here, never the aggregates."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from domain import loop
from projections import schema
from projections.item_summary import rated
from projections.records import naive_utc


@dataclass(frozen=True)
class AuditFilter:
    subgroup: str | None = None
    actor: str | None = None
    type: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class ReadModels:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def item(self, item_id: str, today: date) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            doc = conn.execute(
                sa.select(schema.items.c.doc).where(schema.items.c.id == item_id)
            ).scalar()
        return rated(doc, today) if doc is not None else None

    def items(
        self,
        today: date,
        subgroup: str | None = None,
        stage: str | None = None,
        overdue: bool = False,
        hidden_subgroups: Collection[str] = (),
    ) -> list[dict[str, Any]]:
        """Items, oldest first; none of `hidden_subgroups` (the restricted subgroups the reader
        may not see)."""
        items, follow = schema.items, schema.follow_ups
        query = sa.select(items.c.doc).order_by(items.c.created_at, items.c.id)
        if subgroup is not None:
            query = query.where(items.c.subgroup == subgroup)
        if hidden_subgroups:
            query = query.where(items.c.subgroup.not_in(list(hidden_subgroups)))
        if stage is not None:
            query = query.where(items.c.stage == stage)
        if overdue:
            late = sa.select(follow.c.item_id).where(follow.c.due < today)
            query = query.where(items.c.id.in_(late))
        with self.engine.connect() as conn:
            return [rated(doc, today) for doc in conn.execute(query).scalars()]

    def loop_board(self, subgroup: str, today: date) -> dict[str, Any]:
        docs = self.items(today, subgroup=subgroup)
        stages = {name: [d for d in docs if d["stage"] == name] for name in loop.STAGES}
        return {
            "subgroup": subgroup,
            "stages": {name: {"count": len(ds), "items": ds} for name, ds in stages.items()},
        }

    def history(self, stream_id: str, stream_type: str = "learning_item") -> list[dict[str, Any]]:
        """A stream's events, oldest first; none when the id names a stream of another type."""
        trail = schema.audit_trail
        query = (
            sa.select(trail)
            .where(trail.c.stream_id == stream_id, trail.c.stream_type == stream_type)
            .order_by(trail.c.version)
        )
        with self.engine.connect() as conn:
            return [_history_entry(row) for row in conn.execute(query).mappings()]

    def audit_trail(
        self,
        after: int,
        limit: int,
        where: AuditFilter,
        hidden_subgroups: Collection[str] = (),
    ) -> tuple[list[dict[str, Any]], int]:
        """Events after `after`, up to `limit`, without those of `hidden_subgroups`."""
        trail = schema.audit_trail
        query = sa.select(trail).where(trail.c.position > after).order_by(trail.c.position)
        if hidden_subgroups:
            query = query.where(
                sa.or_(trail.c.subgroup.is_(None), trail.c.subgroup.not_in(list(hidden_subgroups)))
            )
        if where.subgroup is not None:
            query = query.where(trail.c.subgroup == where.subgroup)
        if where.actor is not None:
            query = query.where(trail.c.actor_id == where.actor)
        if where.type is not None:
            query = query.where(trail.c.type == where.type)
        if where.since is not None:
            query = query.where(trail.c.recorded_at >= naive_utc(where.since))
        if where.until is not None:
            query = query.where(trail.c.recorded_at < naive_utc(where.until))
        with self.engine.connect() as conn:
            rows = conn.execute(query.limit(limit)).mappings().all()
        events = [
            {
                "position": row["position"],
                "stream_id": row["stream_id"],
                "stream_type": row["stream_type"],
                **_history_entry(row),
            }
            for row in rows
        ]
        return events, (rows[-1]["position"] if rows else after)

    def follow_ups(
        self, today: date, until: date, hidden_subgroups: Collection[str] = ()
    ) -> list[dict[str, Any]]:
        """Open actions and measures, and case-review clocks not yet met, due by `until`;
        none on items of `hidden_subgroups`."""
        follow, clocks = schema.follow_ups, schema.review_clocks
        query = sa.select(follow).where(follow.c.due <= until)
        if hidden_subgroups:
            query = query.where(follow.c.subgroup.not_in(list(hidden_subgroups)))
        clock_query = sa.select(clocks).where(clocks.c.met_on.is_(None), clocks.c.due <= until)
        with self.engine.connect() as conn:
            rows = [dict(row) for row in conn.execute(query).mappings()]
            rows += [_clock_follow_up(row) for row in conn.execute(clock_query).mappings()]
        rows.sort(key=lambda r: (r["due"], r["item_id"], r["target_id"]))
        return [{**r, "due": r["due"].isoformat(), "overdue": r["due"] < today} for r in rows]

    def case_review(self, review_id: str) -> dict[str, Any] | None:
        reviews = schema.case_reviews
        query = sa.select(reviews.c.doc).where(reviews.c.id == review_id)
        with self.engine.connect() as conn:
            doc = conn.execute(query).scalar()
            return None if doc is None else self._with_item_stages(conn, doc)

    def case_reviews(self, status: str | None = None) -> list[dict[str, Any]]:
        reviews = schema.case_reviews
        query = sa.select(reviews.c.doc).order_by(reviews.c.created_at, reviews.c.id)
        if status is not None:
            query = query.where(reviews.c.status == status)
        with self.engine.connect() as conn:
            return [self._with_item_stages(conn, doc) for doc in conn.execute(query).scalars()]

    def audit(self, audit_id: str) -> dict[str, Any] | None:
        audits = schema.audits
        with self.engine.connect() as conn:
            return conn.execute(sa.select(audits.c.doc).where(audits.c.id == audit_id)).scalar()

    def audits(self, year: int | None = None) -> list[dict[str, Any]]:
        audits = schema.audits
        query = sa.select(audits.c.doc).order_by(audits.c.created_at, audits.c.id)
        if year is not None:
            query = query.where(audits.c.reporting_year == year)
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def _with_item_stages(self, conn: sa.Connection, doc: dict[str, Any]) -> dict[str, Any]:
        ids = [link["item_id"] for link in doc["learning_items"]]
        items = schema.items
        query = sa.select(items.c.id, items.c.stage, items.c.doc).where(items.c.id.in_(ids))
        found = {row.id: row for row in conn.execute(query)} if ids else {}
        links = [
            {
                **link,
                "stage": found[link["item_id"]].stage,
                "title": found[link["item_id"]].doc["title"],
            }
            if link["item_id"] in found
            else {**link, "stage": None, "title": None}
            for link in doc["learning_items"]
        ]
        return {**doc, "learning_items": links}

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))


def _clock_follow_up(row: Any) -> dict[str, Any]:
    return {
        "kind": "clock",
        "item_id": row["review_id"],
        "target_id": row["name"],
        "subgroup": None,
        "item_title": row["case_reference"],
        "due": row["due"],
        "description": row["label"],
        "owner": None,
        "owner_email": None,
        "status": "running",
    }


def _history_entry(row: Any) -> dict[str, Any]:
    return {
        "version": row["version"],
        "type": row["type"],
        "recorded_at": row["recorded_at"].replace(tzinfo=UTC).isoformat(),
        "actor": {"id": row["actor_id"], "name": row["actor_name"], "role": row["actor_role"]},
        "subgroup": row["subgroup"],
        "data": row["data"],
    }
