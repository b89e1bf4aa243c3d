"""Reading the views. Every GET of current state reads here, never the aggregates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from domain import loop
from projections import schema
from projections.item_summary import rated


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
    ) -> list[dict[str, Any]]:
        items, follow = schema.items, schema.follow_ups
        query = sa.select(items.c.doc).order_by(items.c.created_at, items.c.id)
        if subgroup is not None:
            query = query.where(items.c.subgroup == subgroup)
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

    def history(self, item_id: str) -> list[dict[str, Any]]:
        trail = schema.audit_trail
        query = sa.select(trail).where(trail.c.stream_id == item_id).order_by(trail.c.version)
        with self.engine.connect() as conn:
            return [_history_entry(row) for row in conn.execute(query).mappings()]

    def audit_trail(
        self, after: int, limit: int, where: AuditFilter
    ) -> tuple[list[dict[str, Any]], int]:
        trail = schema.audit_trail
        query = sa.select(trail).where(trail.c.position > after).order_by(trail.c.position)
        if where.subgroup is not None:
            query = query.where(trail.c.subgroup == where.subgroup)
        if where.actor is not None:
            query = query.where(trail.c.actor_id == where.actor)
        if where.type is not None:
            query = query.where(trail.c.type == where.type)
        if where.since is not None:
            query = query.where(trail.c.recorded_at >= _naive_utc(where.since))
        if where.until is not None:
            query = query.where(trail.c.recorded_at < _naive_utc(where.until))
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

    def follow_ups(self, today: date, until: date) -> list[dict[str, Any]]:
        follow = schema.follow_ups
        query = (
            sa.select(follow)
            .where(follow.c.due <= until)
            .order_by(follow.c.due, follow.c.item_id, follow.c.target_id)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            {**row, "due": row["due"].isoformat(), "overdue": row["due"] < today} for row in rows
        ]

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))


def _history_entry(row: Any) -> dict[str, Any]:
    return {
        "version": row["version"],
        "type": row["type"],
        "recorded_at": row["recorded_at"].replace(tzinfo=UTC).isoformat(),
        "actor": {"id": row["actor_id"], "name": row["actor_name"], "role": row["actor_role"]},
        "subgroup": row["subgroup"],
        "data": row["data"],
    }


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)
