"""Refuse to run on a store that could lose an acknowledged event.

SQLite must journal in WAL mode with `synchronous=FULL`; PostgreSQL must have `fsync` on and
`synchronous_commit` not off. `LEARNLOOP_ALLOW_UNSAFE_DURABILITY=true` overrides (for throwaway
stores only); the check then logs a warning instead.
"""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
import structlog

from adapters.persistence.database import Store

log = structlog.get_logger("learnloop.durability")
FULL = 2


class UnsafeDurability(RuntimeError):
    pass


def problems(store: Store) -> list[str]:
    if store.kind == "postgresql":
        with store.engine.connect() as conn:
            fsync = conn.execute(sa.text("SHOW fsync")).scalar()
            commit = conn.execute(sa.text("SHOW synchronous_commit")).scalar()
        found = []
        if fsync != "on":
            found.append(f"PostgreSQL fsync is {fsync}, not on")
        if commit == "off":
            found.append("PostgreSQL synchronous_commit is off")
        return found
    database = store.engine.url.database
    if store.kind != "sqlite" or not database:
        return []
    # The event store's own connections use this build's defaults: read them as it would.
    conn = sqlite3.connect(database)
    try:
        journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
        synchronous = conn.execute("PRAGMA synchronous").fetchone()[0]
    finally:
        conn.close()
    found = []
    if journal.lower() != "wal":
        found.append(f"SQLite journal_mode is {journal}, not wal")
    if synchronous < FULL:
        found.append(f"SQLite synchronous is {synchronous}, not FULL (2)")
    return found


def assert_durable(store: Store, allow_unsafe: bool = False) -> None:
    found = problems(store)
    if not found:
        return
    if allow_unsafe:
        log.warning("unsafe_durability_allowed", problems=found)
        return
    raise UnsafeDurability(
        "; ".join(found) + " (set LEARNLOOP_ALLOW_UNSAFE_DURABILITY=true to run anyway)"
    )
