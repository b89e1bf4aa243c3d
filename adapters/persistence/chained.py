"""The native application recorders, each writing the event log's hash chain as it records.

In the transaction that inserts the events, once their positions are known, one `event_chain`
row per event is inserted: its link (integrity.link) over the chain's latest row. The writers are
already serialised there (SQLite's write lock, taken by the insert; PostgreSQL's EXCLUSIVE lock
on the events table, taken before it), so the latest row read is the one before. The classes
are chosen by the store's `APPLICATION_RECORDER_TOPIC` (database.py). When the chain table is
created beside a log that already holds events and no chain, those events are chained first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from adapters.persistence.integrity import CHAIN_TABLE, GENESIS, link

BACKFILL_PAGE = 1000


def _links(
    previous: bytes, ids: Sequence[int], events: Sequence[StoredEvent]
) -> list[tuple[int, bytes]]:
    rows = []
    for position, event in zip(ids, events, strict=True):
        previous = link(
            previous,
            position,
            event.originator_id,
            event.originator_version,
            event.topic,
            event.state,
        )
        rows.append((position, previous))
    return rows


class ChainedSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {CHAIN_TABLE} "
            "(position INTEGER PRIMARY KEY, hash BLOB NOT NULL)",
        ]

    def _create_table(self, c: SQLiteCursor) -> None:
        super()._create_table(c)
        c.execute(f"SELECT EXISTS (SELECT 1 FROM {CHAIN_TABLE})")
        if not c.fetchone()[0]:
            self._backfill(c)

    def _backfill(self, c: SQLiteCursor) -> None:
        previous, after = GENESIS, 0
        while True:
            c.execute(
                f"SELECT rowid, * FROM {self.events_table_name} WHERE rowid>? "
                "ORDER BY rowid LIMIT ?",
                (after, BACKFILL_PAGE),
            )
            rows = c.fetchall()
            if not rows:
                return
            events = [
                StoredEvent(
                    self.convert_originator_id(r["originator_id"]),
                    r["originator_version"],
                    r["topic"],
                    r["state"],
                )
                for r in rows
            ]
            ids = [r["rowid"] for r in rows]
            chain = _links(previous, ids, events)
            c.executemany(f"INSERT INTO {CHAIN_TABLE} VALUES (?, ?)", chain)
            previous, after = chain[-1][1], ids[-1]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        if ids:
            # The insert above holds the write lock: no other writer can extend the chain now.
            c.execute(f"SELECT hash FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1")
            head = c.fetchone()
            chain = _links(head[0] if head else GENESIS, ids, stored_events)
            c.executemany(f"INSERT INTO {CHAIN_TABLE} VALUES (?, ?)", chain)
        return ids

    def select_chain(self, after: int, stop: int, limit: int) -> Sequence[tuple[int, bytes]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT position, hash FROM {CHAIN_TABLE} WHERE position>? AND position<=? "
                "ORDER BY position LIMIT ?",
                (after, stop, limit),
            )
            return [(r["position"], bytes(r["hash"])) for r in c.fetchall()]

    def chain_head(self) -> tuple[int, bytes] | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT position, hash FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1")
            row = c.fetchone()
            return (row["position"], bytes(row["hash"])) if row else None


class ChainedPostgresApplicationRecorder(PostgresApplicationRecorder):
    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        if datastore.enable_db_functions:
            msg = "the chained recorder inserts through SQL, not the database functions"
            raise ProgrammingError(msg)
        self.chain_table = SQL("{0}.{1}").format(
            Identifier(datastore.schema), Identifier(CHAIN_TABLE)
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0} (position bigint PRIMARY KEY, hash bytea NOT NULL)"
            ).format(self.chain_table)
        )
        self.select_head_statement = SQL(
            "SELECT position, hash FROM {0} ORDER BY position DESC LIMIT 1"
        ).format(self.chain_table)
        self.insert_chain_statement = SQL(
            "INSERT INTO {0} (position, hash) VALUES (%s, %s)"
        ).format(self.chain_table)

    def create_table(self) -> None:
        super().create_table()
        with self.datastore.transaction(commit=True) as curs:
            self._lock_table(curs)
            curs.execute(SQL("SELECT EXISTS (SELECT 1 FROM {0})").format(self.chain_table))
            row = curs.fetchone()
            assert row is not None
            if not row["exists"]:
                self._backfill(curs)

    def _backfill(self, curs: Cursor[DictRow]) -> None:
        previous, after = GENESIS, 0
        select = SQL(
            "SELECT * FROM {0}.{1} WHERE notification_id>%s ORDER BY notification_id LIMIT %s"
        ).format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
        while True:
            curs.execute(select, (after, BACKFILL_PAGE))
            rows = curs.fetchall()
            if not rows:
                return
            events = [
                StoredEvent(
                    r["originator_id"], r["originator_version"], r["topic"], bytes(r["state"])
                )
                for r in rows
            ]
            ids = [r["notification_id"] for r in rows]
            chain = _links(previous, ids, events)
            curs.executemany(self.insert_chain_statement, chain)
            previous, after = chain[-1][1], ids[-1]

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if ids:
            # Still inside the insert's transaction, under its EXCLUSIVE lock on the events.
            curs.execute(self.select_head_statement)
            head = curs.fetchone()
            previous = bytes(head["hash"]) if head else GENESIS
            curs.executemany(self.insert_chain_statement, _links(previous, ids, stored_events))
        return ids

    def select_chain(self, after: int, stop: int, limit: int) -> Sequence[tuple[int, bytes]]:
        statement = SQL(
            "SELECT position, hash FROM {0} WHERE position>%s AND position<=%s "
            "ORDER BY position LIMIT %s"
        ).format(self.chain_table)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (after, stop, limit))
            return [(r["position"], bytes(r["hash"])) for r in curs.fetchall()]

    def chain_head(self) -> tuple[int, bytes] | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.select_head_statement)
            row = curs.fetchone()
            return (row["position"], bytes(row["hash"])) if row else None
