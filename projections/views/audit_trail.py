"""The audit trail: every recorded event of the partnership, in the order it was recorded, with
the subgroup its stream belongs to; and its queries (a stream's history, the filtered trail)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from projections import bulk, schema
from projections.documents import Batch
from projections.events import actor_of, event_data, event_type, naive_utc, stream_type

audit_streams = sa.Table(
    "view_audit_streams",
    schema.metadata,
    sa.Column("stream_id", sa.String(36), primary_key=True),
    sa.Column("subgroup", sa.String(64)),
)

audit_trail = sa.Table(
    "view_audit_trail",
    schema.metadata,
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("stream_id", sa.String(36), nullable=False),
    sa.Column("stream_type", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.Column("actor_id", sa.String(64), nullable=False),
    sa.Column("actor_name", sa.Text, nullable=False),
    sa.Column("actor_role", sa.String(32), nullable=False),
    sa.Column("subgroup", sa.String(64)),
    sa.Column("data", schema.Json, nullable=False),
    sa.Index("ix_audit_stream", "stream_id", "version"),
    sa.Index("ix_audit_subgroup", "subgroup", "position"),
    sa.Index("ix_audit_actor", "actor_id", "position"),
    sa.Index("ix_audit_type", "type", "position"),
    sa.Index("ix_audit_recorded_at", "recorded_at"),
)


def entry(position: int, event: Any, subgroup: str | None) -> dict[str, Any]:
    actor = actor_of(event)
    return {
        "position": position,
        "stream_id": str(event.originator_id),
        "stream_type": stream_type(event),
        "version": event.originator_version,
        "type": event_type(event),
        "recorded_at": naive_utc(event.timestamp),
        "actor_id": actor["id"],
        "actor_name": actor["name"],
        "actor_role": actor["role"],
        "subgroup": subgroup,
        "data": event_data(event),
    }


def subgroup_named(event: Any) -> str | None:
    """The subgroup a stream belongs to, when its event says so (its first event does)."""
    return getattr(event, "subgroup", None)


class AuditTrailView:
    """Every event, in log order, with the subgroup its stream belongs to."""

    name = "audit_trail"
    tables = (audit_streams, audit_trail)

    def __init__(self, subgroup_of_stream: Callable[[Any], str | None] | None = None) -> None:
        self.subgroup_of_stream = subgroup_of_stream or subgroup_named

    def apply(self, conn: sa.Connection, batch: Batch) -> None:
        streams = audit_streams
        ids = list(dict.fromkeys(str(e.originator_id) for _, e in batch))
        query = sa.select(streams.c.stream_id, streams.c.subgroup).where(
            streams.c.stream_id.in_(ids)
        )
        known: dict[str, str | None] = dict(conn.execute(query).tuples().all())
        new_streams = []
        rows = []
        for position, event in batch:
            key = str(event.originator_id)
            if key not in known:
                known[key] = self.subgroup_of_stream(event)
                new_streams.append({"stream_id": key, "subgroup": known[key]})
            rows.append(entry(position, event, known[key]))
        bulk.insert(conn, streams, new_streams)
        bulk.insert(conn, audit_trail, rows)


# -- queries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    subgroup: str | None = None
    actor: str | None = None
    type: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def history(conn: sa.Connection, stream_id: str, stream: str) -> list[dict[str, Any]]:
    """A stream's events, oldest first; none when the id names a stream of another type."""
    trail = audit_trail
    query = (
        sa.select(trail)
        .where(trail.c.stream_id == stream_id, trail.c.stream_type == stream)
        .order_by(trail.c.version)
    )
    return [_history_entry(row) for row in conn.execute(query).mappings()]


def page(
    conn: sa.Connection,
    after: int,
    limit: int,
    where: AuditFilter,
    hidden_subgroups: Collection[str] = (),
) -> tuple[list[dict[str, Any]], int]:
    """Events after `after`, up to `limit`, without those of `hidden_subgroups`; and the
    position to page on."""
    trail = audit_trail
    query = sa.select(trail).where(trail.c.position > after).order_by(trail.c.position)
    if hidden_subgroups:
        query = query.where(
            sa.or_(trail.c.subgroup.is_(None), trail.c.subgroup.not_in(list(hidden_subgroups)))
        )
    if where.subgroup is not None:
        query = query.where(trail.c.subgroup == where.subgroup)
    if where.actor is not None:  # a user's id, or their name as it was recorded (any case)
        named = sa.func.lower(trail.c.actor_name) == where.actor.casefold()
        query = query.where(sa.or_(trail.c.actor_id == where.actor, named))
    if where.type is not None:
        query = query.where(trail.c.type == where.type)
    if where.since is not None:
        query = query.where(trail.c.recorded_at >= naive_utc(where.since))
    if where.until is not None:
        query = query.where(trail.c.recorded_at < naive_utc(where.until))
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


def last_position_before(conn: sa.Connection, position: int, moment: datetime) -> int:
    """The last log position at or before `position` recorded before `moment` (UTC), or 0."""
    trail = audit_trail
    query = sa.select(sa.func.max(trail.c.position)).where(
        trail.c.position <= position, trail.c.recorded_at < naive_utc(moment)
    )
    return conn.execute(query).scalar() or 0


def _history_entry(row: Any) -> dict[str, Any]:
    return {
        "version": row["version"],
        "type": row["type"],
        "recorded_at": row["recorded_at"].replace(tzinfo=UTC).isoformat(),
        "actor": {"id": row["actor_id"], "name": row["actor_name"], "role": row["actor_role"]},
        "subgroup": row["subgroup"],
        "data": row["data"],
    }
