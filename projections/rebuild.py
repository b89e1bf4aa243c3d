"""What a rebuild may relax that a live catch-up may not.

A rebuild writes the whole log again into empty views. Its commits need not wait for the disk:
each batch's tracking row commits with the batch's rows, so a crash loses whole batches, which the
next catch-up applies again. Only the rebuild's own connection is relaxed, and only meanwhile.
Its views need no secondary index until it ends: they are built once, from all the rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa

from projections import schema


@contextmanager
def relaxed_durability(conn: sa.Connection) -> Iterator[None]:
    """SQLite: synchronous=NORMAL (WAL still syncs at each checkpoint); PostgreSQL:
    synchronous_commit off. `conn` must not be in a transaction."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET synchronous_commit TO off")
        conn.commit()
        try:
            yield
        finally:
            conn.rollback()
            conn.exec_driver_sql("RESET synchronous_commit")
            conn.commit()
    elif conn.dialect.name == "sqlite":
        # Below SQLAlchemy: its BEGIN would come first, and SQLite refuses the pragma inside one.
        raw = conn.connection.dbapi_connection
        assert raw is not None
        (level,) = raw.execute("PRAGMA synchronous").fetchone()
        raw.execute("PRAGMA synchronous=NORMAL")
        try:
            yield
        finally:
            conn.rollback()
            raw.execute(f"PRAGMA synchronous={int(level)}")
    else:
        yield


@contextmanager
def deferred_indexes(conn: sa.Connection, tables: Sequence[sa.Table]) -> Iterator[None]:
    """Drops the tables' secondary (non-unique) indexes, and builds them again, once, after the
    rows are in: cheaper than keeping five indexes of the audit trail sorted row by row.

    The views' schema version is withdrawn meanwhile, so a rebuild killed part-way leaves views
    that the next start-up drops and builds again, indexes and all."""
    indexes = [i for t in tables for i in t.indexes if not i.unique]
    with conn.begin():
        conn.execute(sa.delete(schema.schema_version))
        for index in indexes:
            index.drop(conn)
    yield
    with conn.begin():
        for index in indexes:
            index.create(conn)
        conn.execute(sa.insert(schema.schema_version).values(version=schema.SCHEMA_VERSION))
