"""How each view stores what its fold computes: batched Core writes, one statement per table.

A view's `apply(conn, batch)` runs inside the projector's transaction, together with the view's
tracking position, so a batch is either wholly applied and tracked or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date
from typing import Any, Protocol

import sqlalchemy as sa

from projections import audit_trail, follow_ups, item_summary, schema
from projections.records import stream_type

Batch = Sequence[tuple[int, Any]]


class View(Protocol):
    name: str
    tables: tuple[sa.Table, ...]

    def apply(self, conn: sa.Connection, batch: Batch) -> None: ...


class ItemSummaryView:
    """Item summaries, and the follow-ups derived from them."""

    name = "item_summary"
    tables = (schema.items, schema.follow_ups)

    def apply(self, conn: sa.Connection, batch: Batch) -> None:
        events = [e for _, e in batch if stream_type(e) == "learning_item"]
        if not events:
            return
        ids = list(dict.fromkeys(str(e.originator_id) for e in events))
        items, follow = schema.items, schema.follow_ups
        docs = dict(
            conn.execute(sa.select(items.c.id, items.c.doc).where(items.c.id.in_(ids))).all()
        )
        for event in events:
            key = str(event.originator_id)
            docs[key] = item_summary.evolve(docs.get(key), event)
        conn.execute(sa.delete(items).where(items.c.id.in_(ids)))
        conn.execute(sa.insert(items), [_item_row(docs[key]) for key in ids])
        conn.execute(sa.delete(follow).where(follow.c.item_id.in_(ids)))
        rows = [_follow_up_row(r) for key in ids for r in follow_ups.rows(docs[key])]
        if rows:
            conn.execute(sa.insert(follow), rows)


class AuditTrailView:
    """Every event, in log order, with the subgroup its stream belongs to."""

    name = "audit_trail"
    tables = (schema.audit_streams, schema.audit_trail)

    def apply(self, conn: sa.Connection, batch: Batch) -> None:
        streams = schema.audit_streams
        ids = list(dict.fromkeys(str(e.originator_id) for _, e in batch))
        known = dict(
            conn.execute(
                sa.select(streams.c.stream_id, streams.c.subgroup).where(
                    streams.c.stream_id.in_(ids)
                )
            ).all()
        )
        new_streams = []
        rows = []
        for position, event in batch:
            key = str(event.originator_id)
            if key not in known:
                known[key] = audit_trail.subgroup_named(event)
                new_streams.append({"stream_id": key, "subgroup": known[key]})
            row = audit_trail.entry(position, event, known[key])
            row["recorded_at"] = event.timestamp.astimezone(UTC).replace(tzinfo=None)
            rows.append(row)
        if new_streams:
            conn.execute(sa.insert(streams), new_streams)
        conn.execute(sa.insert(schema.audit_trail), rows)


def default_views() -> list[View]:
    return [ItemSummaryView(), AuditTrailView()]


def _item_row(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": doc["id"],
        "subgroup": doc["subgroup"],
        "stage": doc["stage"],
        "version": doc["version"],
        "created_at": doc["created_at"],
        "doc": doc,
    }


def _follow_up_row(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "due": date.fromisoformat(row["due"])}
