"""One database URL gives both the event store's settings and the read models' engine.

Events go through the eventsourcing library's own recorders (sqlite, postgres; see ADR 0002);
read models and users live beside them in the same database, through SQLAlchemy.
`memory://` keeps everything in this process (tests), and keeps no hash chain (ADR 0011). Every
store's recorder writes through one group commit with one post-commit hook (recorders.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_S = 30
# Enough pooled connections for the server's worker threads: a connection opened and closed per
# request (the pool's overflow) costs more than the query it serves.
POOL_SIZE = 20
POOL_OVERFLOW = 20
# The recorders that chain every event to the one before (ADR 0011) and group commits (ADR 0021).
RECORDERS = "adapters.persistence.recorders:"


class UnsupportedDatabase(ValueError):
    pass


@dataclass(frozen=True)
class Store:
    """`engine` reads; `write_engine` writes (on SQLite it takes the write lock at BEGIN)."""

    url: str
    event_store_env: dict[str, str]
    engine: sa.Engine
    write_engine: sa.Engine

    def dispose(self) -> None:
        self.engine.dispose()
        self.write_engine.dispose()

    @property
    def kind(self) -> str:
        return self.engine.dialect.name


def open_store(database_url: str) -> Store:
    if database_url == "memory://":
        engine = sa.create_engine(
            "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
        env = {"PERSISTENCE_MODULE": RECORDERS + "MemoryFactory"}
        return Store(database_url, env, engine, engine)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite(database_url, url)
    if url.get_backend_name() == "postgresql":
        return _postgres(database_url, url)
    msg = f"unsupported database URL {url.render_as_string(hide_password=True)}"
    raise UnsupportedDatabase(msg + "; use sqlite:///FILE or postgresql+psycopg://...")


def _sqlite(database_url: str, url: sa.URL) -> Store:
    if not url.database or url.database == ":memory:":
        raise UnsupportedDatabase("an SQLite store needs a file: sqlite:///learnloop.db")
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": url.database,
        "SQLITE_LOCK_TIMEOUT": str(SQLITE_BUSY_TIMEOUT_S),
        "APPLICATION_RECORDER_TOPIC": RECORDERS + "SQLiteRecorder",
    }
    return Store(
        database_url, env, _sqlite_engine(url, "BEGIN"), _sqlite_engine(url, "BEGIN IMMEDIATE")
    )


def _sqlite_engine(url: sa.URL, begin: str) -> sa.Engine:
    engine = sa.create_engine(
        url.set(drivername="sqlite+pysqlite"),
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
    )
    sa.event.listen(engine, "connect", _sqlite_connect)
    # A deferred transaction that later writes can fail with SQLITE_BUSY instead of waiting when
    # the event store writes at the same moment, so writers take the lock at BEGIN.
    sa.event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(begin))
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _postgres(database_url: str, url: sa.URL) -> Store:
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": url.database or "postgres",
        "POSTGRES_HOST": url.host or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": url.username or "postgres",
        "POSTGRES_PASSWORD": url.password or "",
        "POSTGRES_LOCK_TIMEOUT": "10",
        "POSTGRES_POOL_SIZE": "10",
        "POSTGRES_MAX_OVERFLOW": "10",
        "APPLICATION_RECORDER_TOPIC": RECORDERS + "PostgresRecorder",
    }
    engine = sa.create_engine(
        url.set(drivername="postgresql+psycopg"), pool_size=10, max_overflow=10
    )
    return Store(database_url, env, engine, engine)
