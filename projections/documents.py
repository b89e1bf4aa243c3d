"""What every view is to the projector, and the versioned documents most views keep.

A view's `apply(conn, batch)` runs inside the projector's transaction, together with the view's
tracking position, so a batch is either wholly applied and tracked or not at all.

A document view keeps one JSON document per aggregate of one stream, folded from its events,
every version of it with the log positions it held between (ADR 0010), and rows derived from the
current document (replaced whenever the document changes).

Versions are stored compactly: every `KEYFRAME_EVERY`-th version of a document (its first, its
ninth, ...) whole, the others as a delta from the version before (the top-level fields that
changed). A version is read back from its frame's whole version and the deltas after it, so
reading one costs at most `KEYFRAME_EVERY` rows, however long the document's history.
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
KEYFRAME_EVERY = 8
_CHUNK = 500  # (id, frame) pairs per IN (...) list
_ABSENT = object()


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
        sa.Column("version", sa.Integer, nullable=False),
        # Versions (version - 1) // KEYFRAME_EVERY: the frame's first is whole, the rest deltas.
        sa.Column("frame", sa.Integer, nullable=False),
        sa.Column("delta", sa.Boolean, nullable=False),
        sa.Column("created_on", sa.Date, nullable=False),
        # The last day this version describes something open: its subject's closing day, or
        # the day a later version replaced it; OPEN_END while neither. A year's report reads
        # only versions alive in the year, however long the history before it.
        sa.Column("until_on", sa.Date, nullable=False),
        # Its subject's closing day by this version alone (OPEN_END while open): as at a position
        # before the version was replaced, that is how long it was known to stay open.
        sa.Column("closes_on", sa.Date, nullable=False),
        sa.Column("doc", schema.Json, nullable=False),
        sa.Index(f"ix_{name}_until", "until_on", "created_on"),
        sa.Index(f"ix_{name}_valid_to", "valid_to"),
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
        docs = dict(conn.execute(query).tuples().all())
        # A document not stored yet has no version or derived rows to close or replace either.
        stored = list(docs)
        before = dict(docs)
        versions: list[Version] = []
        for position, key, event in events:
            doc = docs[key] = self.evolve(docs.get(key), event)
            versions.append((key, position, doc, event.timestamp.date()))
        if self.versions is not None:
            self._write_versions(conn, versions, stored, before)
        if stored:
            conn.execute(sa.delete(table).where(table.c.id.in_(stored)))
        bulk.insert(conn, table, [self.row(docs[key]) for key in ids])
        if self.derived is not None:
            derived = self.derived
            if stored:
                conn.execute(sa.delete(derived).where(derived.c[self.derived_key].in_(stored)))
            bulk.insert(conn, derived, [r for key in ids for r in self.derive(docs[key])])

    def _write_versions(
        self,
        conn: sa.Connection,
        versions: list[Version],
        stored: list[str],
        before: dict[str, Doc],
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
        previous = dict(before)
        for key, position, doc, _ in versions:
            created_on, closed_on = self.span(doc)
            successor = following.get(position)
            ends = [d for d in (closed_on, successor and successor[3]) if d is not None]
            version = doc["version"]
            prior = previous.get(key)
            whole = prior is None or (version - 1) % KEYFRAME_EVERY == 0
            previous[key] = doc
            rows.append(
                {
                    "id": key,
                    "position": position,
                    "doc": doc if whole else delta(prior, doc),
                    "valid_to": successor[1] if successor else None,
                    "version": version,
                    "frame": (version - 1) // KEYFRAME_EVERY,
                    "delta": not whole,
                    "created_on": created_on,
                    "until_on": min(ends, default=OPEN_END),
                    "closes_on": closed_on or OPEN_END,
                }
            )
        bulk.insert(conn, table, rows)


def documents_as_at(
    conn: sa.Connection, table: sa.Table, position: int, start: date, end: date
) -> list[Doc]:
    """The documents of a versions table as they stood at `position` that were open at some
    time from `start` to `end`, as known at `position`. Spans are stored as UTC dates, so a day
    either side is read and the caller then judges each date in the partnership's time zone."""
    day = date.resolution
    t = table.c
    # `until_on` also counts the day a later version replaced this one, which `position` may
    # precede (a report as at a position before its year began): those rows go by `closes_on`.
    query = (
        sa.select(t.id, t.version, t.frame, t.delta, t.doc)
        .where(t.position <= position)
        .where(sa.or_(t.valid_to.is_(None), t.valid_to > position))
        .where(
            sa.or_(
                t.until_on >= start - day,
                sa.and_(t.valid_to > position, t.closes_on >= start - day),
            )
        )
        .where(t.created_on <= end + day)
        .order_by(t.created_on, t.id)
    )
    return _wholes(conn, table, position, conn.execute(query).all())


def _wholes(conn: sa.Connection, table: sa.Table, position: int, rows: Sequence[Any]) -> list[Doc]:
    """Each row's whole document: a delta row is rebuilt from its frame (rows of
    (id, version, frame, delta, doc), as they stood at `position`)."""
    t = table.c
    frames = [(r.id, r.frame) for r in rows if r.delta]
    chains: dict[str, list[tuple[int, bool, Doc]]] = {}
    for chunk in range(0, len(frames), _CHUNK):
        wanted = frames[chunk : chunk + _CHUNK]
        found = sa.select(t.id, t.version, t.delta, t.doc).where(
            sa.tuple_(t.id, t.frame).in_(wanted), t.position <= position
        )
        for key, version, is_delta, doc in conn.execute(found):
            chains.setdefault(key, []).append((version, is_delta, doc))
    return [_whole(chains.get(r.id, []), r.version) if r.delta else r.doc for r in rows]


def delta(old: Doc, new: Doc) -> Doc:
    """What changed from `old` to `new`, field by field (top level only)."""
    changed = {}
    for key, value in new.items():
        was = old.get(key, _ABSENT)
        if was is not value and was != value:
            changed[key] = value
    return {"set": changed, "unset": [key for key in old if key not in new]}


def _whole(chain: list[tuple[int, bool, Doc]], version: int) -> Doc:
    """The document at `version`, from its frame's whole version and the deltas after it."""
    doc: Doc | None = None
    reached = 0
    for number, is_delta, stored in sorted(chain, key=lambda c: c[0]):
        if number > version:
            break
        reached = number
        if not is_delta:
            doc = dict(stored)
            continue
        assert doc is not None, "a delta before its frame's whole version"
        doc.update(stored["set"])
        for key in stored["unset"]:
            doc.pop(key, None)
    assert doc is not None and reached == version, "a version missing from its frame"
    return doc


def documents_at(
    conn: sa.Connection, table: sa.Table, position: int, ids: Sequence[str] | None = None
) -> list[Doc]:
    """Every document of a versions table (or those of `ids`) as it stood at `position`:
    the version recorded at or before it and not replaced by then; oldest first."""
    t = table.c
    query = (
        sa.select(t.id, t.version, t.frame, t.delta, t.doc)
        .where(t.position <= position)
        .where(sa.or_(t.valid_to.is_(None), t.valid_to > position))
        .order_by(t.created_on, t.id)
    )
    if ids is not None:
        query = query.where(t.id.in_(list(ids)))
    return _wholes(conn, table, position, conn.execute(query).all())


def row(doc: Doc, **columns: Any) -> dict[str, Any]:
    """A document's current row: its id, when it was created, the document and `columns`."""
    return {"id": doc["id"], "created_at": doc["created_at"], "doc": doc, **columns}


def day(value: str | None) -> date | None:
    """The date of an ISO date or timestamp (timestamps are UTC; a day either side does not
    matter for finding a year's documents, which the report then filters exactly)."""
    return date.fromisoformat(value[:10]) if value else None
