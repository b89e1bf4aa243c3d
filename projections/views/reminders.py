"""The reminder log: every reminder issued, in the order issued, with what became of its delivery.

One row per reminder, keyed by the log position of its `Issued` event (so paging by position
lists reminders in the order they were issued) and unique by reminder id. Later events of the
reminder (claimed, delivered, failed, cancelled) update its row. The queries here answer
`GET /reminders` and tell the reminder service which reminders are issued and which are still
to be delivered; the service re-checks each on its aggregate before acting.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, date, datetime
from functools import singledispatch
from typing import Any

import sqlalchemy as sa

from domain.reminder import (
    CANCELLED,
    CLAIM_EXPIRES,
    CLAIMED,
    DELIVERED,
    FAILED,
    NO_RECIPIENT,
    PENDING,
    Reminder,
)
from projections import bulk, schema
from projections.events import naive_utc

DELIVERY_STATES = (PENDING, CLAIMED, DELIVERED, FAILED, CANCELLED, NO_RECIPIENT)
_CHUNK = 500  # ids per IN (...) list, well under every driver's parameter limit

reminders_table = sa.Table(
    "view_reminders",
    schema.metadata,
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("reminder_id", sa.String(36), nullable=False, unique=True),
    sa.Column("rule", sa.String(100), nullable=False),
    sa.Column("escalation", sa.Boolean, nullable=False),
    sa.Column("target_kind", sa.String(16), nullable=False),
    sa.Column("target_id", sa.String(200), nullable=False, index=True),  # clocks: id/name
    sa.Column("stream_id", sa.String(36), nullable=False),
    sa.Column("subgroup", sa.String(64)),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("due", sa.Date, nullable=False),
    sa.Column("occurrence", sa.Date, nullable=False),
    sa.Column("recipients", schema.Json, nullable=False),
    sa.Column("issued_at", sa.DateTime, nullable=False),
    sa.Column("delivery", sa.String(16), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("claimed_at", sa.DateTime),
    sa.Column("retry_after", sa.DateTime),
    sa.Column("delivered_at", sa.DateTime),
)

# What the events after `Issued` change; the rest of a row is fixed when it is issued.
_STATE = ("delivery", "attempts", "last_error", "claimed_at", "retry_after", "delivered_at")


class ReminderLogView:
    name = "reminder_log"
    tables = (reminders_table,)

    def apply(self, conn: sa.Connection, batch: Iterable[tuple[int, Any]]) -> None:
        events = [(p, e) for p, e in batch if isinstance(e, Reminder.Event)]
        if not events:
            return
        table = reminders_table
        new: dict[str, dict[str, Any]] = {}
        ids = list(dict.fromkeys(str(e.originator_id) for _, e in events))
        existing = _load_state(conn, ids)
        changed: set[str] = set()
        for position, event in events:
            key = str(event.originator_id)
            if isinstance(event, Reminder.Issued):
                if key in new or key in existing:
                    continue  # the id is the aggregate's: a second Issued cannot be recorded
                new[key] = _issued_row(position, key, event)
                continue
            row = new.get(key) or existing.get(key)
            if row is None:
                continue  # a reminder issued before this view began: nothing to update
            _evolve(event, row)
            if key in existing:
                changed.add(key)
        bulk.insert(conn, table, list(new.values()))
        if changed:
            statement = (
                sa.update(table)
                .where(table.c.reminder_id == sa.bindparam("b_reminder_id"))
                .values({name: sa.bindparam(f"b_{name}") for name in _STATE})
            )
            conn.execute(
                statement,
                [
                    {"b_reminder_id": key, **{f"b_{n}": existing[key][n] for n in _STATE}}
                    for key in sorted(changed)
                ],
            )


def _load_state(conn: sa.Connection, ids: list[str]) -> dict[str, dict[str, Any]]:
    table = reminders_table
    columns = [table.c.reminder_id, *(table.c[name] for name in _STATE)]
    state: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(ids):
        query = sa.select(*columns).where(table.c.reminder_id.in_(chunk))
        for row in conn.execute(query).mappings():
            state[row["reminder_id"]] = {name: row[name] for name in _STATE}
    return state


def _issued_row(position: int, key: str, event: Any) -> dict[str, Any]:
    recipients = [str(r) for r in event.recipients]
    return {
        "position": position,
        "reminder_id": key,
        "rule": event.rule,
        "escalation": bool(event.escalation),
        "target_kind": event.target_kind,
        "target_id": str(event.target_id),
        "stream_id": str(event.stream_id),
        "subgroup": event.subgroup,
        "title": event.title,
        "due": _date(event.due),
        "occurrence": _date(event.occurrence),
        "recipients": recipients,
        "issued_at": naive_utc(event.timestamp),
        "delivery": PENDING if recipients else NO_RECIPIENT,
        "attempts": 0,
        "last_error": None,
        "claimed_at": None,
        "retry_after": None,
        "delivered_at": None,
    }


@singledispatch
def _evolve(event: Any, row: dict[str, Any]) -> None:
    """What a later event of a reminder changes in its row (an unknown one changes nothing)."""


@_evolve.register(Reminder.DeliveryClaimed)
def _claimed(event: Any, row: dict[str, Any]) -> None:
    row.update(delivery=CLAIMED, attempts=event.attempt, claimed_at=naive_utc(event.timestamp))


@_evolve.register(Reminder.Delivered)
def _delivered(event: Any, row: dict[str, Any]) -> None:
    row.update(
        delivery=DELIVERED,
        attempts=event.attempt,
        retry_after=None,
        delivered_at=naive_utc(event.timestamp),
    )


@_evolve.register(Reminder.DeliveryFailed)
def _failed(event: Any, row: dict[str, Any]) -> None:
    retry_after = event.retry_after
    row.update(
        delivery=FAILED,
        attempts=event.attempt,
        last_error=event.error,
        retry_after=naive_utc(retry_after) if retry_after is not None else None,
    )


@_evolve.register(Reminder.Cancelled)
def _cancelled(event: Any, row: dict[str, Any]) -> None:
    row.update(delivery=CANCELLED, retry_after=None)


# -- queries ------------------------------------------------------------------------------------


def page(
    conn: sa.Connection, after: int, limit: int, hidden_subgroups: Collection[str] = ()
) -> tuple[list[dict[str, Any]], int]:
    """Reminders issued after log position `after`, oldest first, and the position to page on;
    none about items of `hidden_subgroups`."""
    table = reminders_table
    query = sa.select(table).where(table.c.position > after).order_by(table.c.position).limit(limit)
    if hidden_subgroups:
        query = query.where(
            sa.or_(table.c.subgroup.is_(None), table.c.subgroup.not_in(list(hidden_subgroups)))
        )
    rows = conn.execute(query).mappings().all()
    return [_entry(row) for row in rows], (rows[-1]["position"] if rows else after)


def deliverable(conn: sa.Connection, now: datetime) -> list[str]:
    """Ids of reminders that may be delivered at `now`, oldest first: pending, failed and due a
    retry, or claimed by an attempt that has since expired."""
    table = reminders_table
    moment = naive_utc(now)
    query = (
        sa.select(table.c.reminder_id)
        .where(
            sa.or_(
                table.c.delivery == PENDING,
                sa.and_(table.c.delivery == FAILED, table.c.retry_after <= moment),
                sa.and_(table.c.delivery == CLAIMED, table.c.claimed_at <= moment - CLAIM_EXPIRES),
            )
        )
        .order_by(table.c.position)
    )
    return list(conn.execute(query).scalars())


def undelivered_ids(conn: sa.Connection) -> set[str]:
    """Ids of reminders still to be delivered: pending, claimed, or failed with a retry due."""
    table = reminders_table
    query = sa.select(table.c.reminder_id).where(
        sa.or_(
            table.c.delivery.in_((PENDING, CLAIMED)),
            sa.and_(table.c.delivery == FAILED, table.c.retry_after.is_not(None)),
        )
    )
    return set(conn.execute(query).scalars())


def issued_ids(conn: sa.Connection, ids: Iterable[Any]) -> set[str]:
    """Which of `ids` (UUIDs or strings) name a reminder already issued."""
    wanted = list(dict.fromkeys(str(i) for i in ids))
    table = reminders_table
    found: set[str] = set()
    for chunk in _chunks(wanted):
        query = sa.select(table.c.reminder_id).where(table.c.reminder_id.in_(chunk))
        found.update(conn.execute(query).scalars())
    return found


def latest_occurrences(conn: sa.Connection) -> dict[tuple[str, date], date]:
    """For each (target, due date), the latest occurrence any reminder was issued for."""
    table = reminders_table
    query = sa.select(table.c.target_id, table.c.due, sa.func.max(table.c.occurrence)).group_by(
        table.c.target_id, table.c.due
    )
    return {(target, due): latest for target, due, latest in conn.execute(query)}


def _entry(row: Any) -> dict[str, Any]:
    recipients = list(row["recipients"])
    return {
        "position": row["position"],
        "id": row["reminder_id"],
        "rule": row["rule"],
        "escalation": row["escalation"],
        "target_kind": row["target_kind"],
        "stream_id": row["stream_id"],
        "target_id": row["target_id"],
        "subgroup": row["subgroup"],
        "due": row["due"].isoformat(),
        "occurrence": row["occurrence"].isoformat(),
        "recipient": ",".join(recipients),
        "recipients": recipients,
        "issued_at": _iso_utc(row["issued_at"]),
        "delivery": row["delivery"],
        "attempts": row["attempts"],
        "last_error": row["last_error"],
        "retry_after": _iso_utc(row["retry_after"]),
        "delivered_at": _iso_utc(row["delivered_at"]),
    }


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _iso_utc(moment: datetime | None) -> str | None:
    return None if moment is None else moment.replace(tzinfo=UTC).isoformat()
