"""What every view is to the projector, and the versioned documents most views keep.

A view's `apply(conn, batch)` runs inside the projector's transaction, together with the view's
tracking position, so a batch is either wholly applied and tracked or not at all.

A document view keeps one JSON document per aggregate of one stream, folded from its events,
every version of it with the log positions it held between (ADR 0010), and rows derived from the
current document (replaced whenever the document changes).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

import sqlalchemy as sa

from projections import bulk, schema

Batch = Sequence[tuple[int, Any]]
Doc = dict[str, Any]
Version = tuple[str, int, Doc, date]  # document id, log position, document, day recorded (UTC)

OPEN_END = date(9999, 12, 31)


class View(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def tables(self) -> tuple[sa.Table, ...]: ...

    def apply(self, conn: sa.Connection, batch: Batch) -> None: ...


def versions_table(name: str) -> sa.Table:
    """Every version of a view's documents, with the log positions it held between, so a
    report can read the views as they stood at any position (issue 5: reports "as at")."""
    return sa.Table(
        name,
        schema.metadata,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("valid_to", sa.BigInteger),
        sa.Column("created_on", sa.Date, nullable=False),
        # The last day this version describes something open: its subject's closing day, or
        # the day a later version replaced it; OPEN_END while neither. A year's report reads
        # only versions alive in the year, however long the history before it.
        sa.Column("until_on", sa.Date, nullable=False),
        sa.Column("doc", schema.Json, nullable=False),
        sa.Index(f"ix_{name}_until", "until_on", "created_on"),
    )


class DocumentView:
    """One document per aggregate whose events are `stream` (its base event class)."""

    name: str
    stream: type[Any]
    table: sa.Table
    versions: sa.Table | None = None
    derived: sa.Table | None = None
    derived_key: str = "item_id"

    @property
    def tables(self) -> tuple[sa.Table, ...]:
        return tuple(t for t in (self.table, self.versions, self.derived) if t is not None)

    def span(self, doc: Doc) -> tuple[date, date | None]:
        """The dates a document's subject was open between, for finding a year's documents."""
        raise NotImplementedError

    def evolve(self, doc: Doc | None, event: Any) -> Doc:
        raise NotImplementedError

    def row(self, doc: Doc) -> dict[str, Any]:
        raise NotImplementedError

    def derive(self, doc: Doc) -> list[dict[str, Any]]:
        return []

    def apply(self, conn: sa.Connection, batch: Batch) -> None:
        stream = self.stream
        events: list[tuple[int, str, Any]] = [
            (p, str(e.originator_id), e) for p, e in batch if isinstance(e, stream)
        ]
        if not events:
            return
        ids = list(dict.fromkeys(key for _, key, _ in events))
        table = self.table
        query = sa.select(table.c.id, table.c.doc).where(table.c.id.in_(ids))
        docs = dict(conn.execute(query).all())
        # A document not stored yet has no version or derived rows to close or replace either.
        stored = list(docs)
        versions: list[Version] = []
        for position, key, event in events:
            doc = docs[key] = self.evolve(docs.get(key), event)
            versions.append((key, position, doc, event.timestamp.date()))
        if self.versions is not None:
            self._write_versions(conn, versions, stored)
        if stored:
            conn.execute(sa.delete(table).where(table.c.id.in_(stored)))
        bulk.insert(conn, table, [self.row(docs[key]) for key in ids])
        if self.derived is not None:
            derived = self.derived
            if stored:
                conn.execute(sa.delete(derived).where(derived.c[self.derived_key].in_(stored)))
            bulk.insert(conn, derived, [r for key in ids for r in self.derive(docs[key])])

    def _write_versions(
        self, conn: sa.Connection, versions: list[Version], stored: list[str]
    ) -> None:
        """Closes each stored document's open version at the batch's first new one, and chains
        the batch's versions, each valid until the next (by log position and by day)."""
        assert self.versions is not None
        table = self.versions
        first: dict[str, Version] = {}
        following: dict[int, Version] = {}
        last: dict[str, int] = {}
        for version in versions:
            key, position = version[0], version[1]
            first.setdefault(key, version)
            if key in last:
                following[last[key]] = version
            last[key] = position
        if stored:
            replaced = sa.bindparam("replaced_on", type_=sa.Date)
            conn.execute(
                sa.update(table)
                .where(table.c.id == sa.bindparam("key"), table.c.valid_to.is_(None))
                .values(
                    valid_to=sa.bindparam("until"),
                    until_on=sa.case(
                        (table.c.until_on < replaced, table.c.until_on), else_=replaced
                    ),
                ),
                [{"key": k, "until": first[k][1], "replaced_on": first[k][3]} for k in stored],
            )
        rows = []
        for key, position, doc, _ in versions:
            created_on, closed_on = self.span(doc)
            successor = following.get(position)
            ends = [d for d in (closed_on, successor and successor[3]) if d is not None]
            rows.append(
                {
                    "id": key,
                    "position": position,
                    "doc": doc,
                    "valid_to": successor[1] if successor else None,
                    "created_on": created_on,
                    "until_on": min(ends, default=OPEN_END),
                }
            )
        bulk.insert(conn, table, rows)


def documents_as_at(
    conn: sa.Connection, table: sa.Table, position: int, start: date, end: date
) -> list[Doc]:
    """The documents of a versions table as they stood at `position` that were open at some
    time from `start` to `end`. Spans are stored as UTC dates, so a day either side is read and
    the caller then judges each date in the partnership's time zone."""
    day = date.resolution
    query = (
        sa.select(table.c.doc)
        .where(table.c.position <= position)
        .where(sa.or_(table.c.valid_to.is_(None), table.c.valid_to > position))
        .where(table.c.until_on >= start - day)
        .where(table.c.created_on <= end + day)
        .order_by(table.c.created_on, table.c.id)
    )
    return list(conn.execute(query).scalars())


def row(doc: Doc, **columns: Any) -> dict[str, Any]:
    """A document's current row: its id, when it was created, the document and `columns`."""
    return {"id": doc["id"], "created_at": doc["created_at"], "doc": doc, **columns}


def day(value: str | None) -> date | None:
    """The date of an ISO date or timestamp (timestamps are UTC; a day either side does not
    matter for finding a year's documents, which the report then filters exactly)."""
    return date.fromisoformat(value[:10]) if value else None
