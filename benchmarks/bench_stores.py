"""Benchmark stores (an SQLite file, or a fresh PostgreSQL database) and the raw commit rate.

The raw rate is the floor under every command: one plain row, inserted and committed, in a loop,
against the same kind of storage with the same durability settings as the product uses.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url
from store_options import postgres_database

PAYLOAD = "x" * 400  # about the size of one encoded learning-item event


@dataclass(frozen=True)
class BenchStore:
    kind: str
    url: str  # what `learnloop --database-url` takes
    raw_commits: Callable[[int, float], float]  # (rows, seconds) -> rows/s
    note: str


@contextmanager
def open_store(kind: str, tmp: Path, label: str, admin_url: str) -> Iterator[BenchStore]:
    if kind == "sqlite":
        path = tmp / f"{label}.db"
        raw = tmp / f"raw-{label}.db"
        yield BenchStore(
            kind,
            f"sqlite:///{path}",
            lambda rows, seconds: raw_sqlite(raw, rows, seconds),
            f"SQLite {sqlite3.sqlite_version}, WAL, synchronous=FULL, file in {tmp}",
        )
    elif kind == "postgres":
        with postgres_database(make_url(admin_url)) as url:
            dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
            yield BenchStore(
                kind,
                url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False),
                lambda rows, seconds: raw_postgres(dsn, rows, seconds),
                postgres_note(dsn),
            )
    else:
        raise ValueError(f"unknown store {kind!r}; expected sqlite or postgres")


def raw_sqlite(path: Path, rows: int, seconds: float) -> float:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS raw (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)"
        )
        conn.commit()
        return _loop(lambda: _sqlite_insert(conn), rows, seconds)
    finally:
        conn.close()


def _sqlite_insert(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO raw (payload) VALUES (?)", (PAYLOAD,))
    conn.commit()


def raw_postgres(dsn: str, rows: int, seconds: float) -> float:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_raw (id bigserial PRIMARY KEY, payload text NOT NULL)"
        )
        sql = "INSERT INTO bench_raw (payload) VALUES (%s)"
        return _loop(lambda: conn.execute(sql, (PAYLOAD,)), rows, seconds)


def _loop(insert: Callable[[], object], rows: int, seconds: float) -> float:
    for _ in range(20):  # warm-up: connection, statement cache, first pages
        insert()
    done = 0
    started = time.perf_counter()
    deadline = started + seconds
    while done < rows and time.perf_counter() < deadline:
        insert()
        done += 1
    return done / (time.perf_counter() - started)


def postgres_note(dsn: str) -> str:
    with psycopg.connect(dsn) as conn:
        version = conn.execute("SHOW server_version").fetchone()
        sync = conn.execute("SHOW synchronous_commit").fetchone()
        fsync = conn.execute("SHOW fsync").fetchone()
    assert version and sync and fsync
    return (
        f"PostgreSQL {version[0]} at 127.0.0.1, synchronous_commit={sync[0]}, fsync={fsync[0]}, "
        "fresh database per store"
    )
