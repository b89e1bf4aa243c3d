"""Upgrades of a store that have completed, so start-up skips them (ADR 0045).

A plain table beside the read models (like `users` and `web_sessions`), not an event: it is
bookkeeping of this deployment, and the log's events and positions stay as they were. A row is
written once an upgrade's walk of the log has completed; two processes finishing at once both
succeed (the second insert's duplicate key is ignored). Times are naive UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

metadata = sa.MetaData()

REFERENCES = "references"  # every record created before references has one (ADR 0045)

learnloop_upgrades = sa.Table(
    "learnloop_upgrades",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("done_at", sa.DateTime, nullable=False),
)


class Upgrades:
    """`engine` writes; `reader` (default: the same) reads without SQLite's write lock."""

    def __init__(self, engine: sa.Engine, reader: sa.Engine | None = None) -> None:
        self.engine = engine
        self.reader = reader or engine

    def create_tables(self) -> None:
        metadata.create_all(self.engine)

    def done(self, name: str) -> bool:
        query = sa.select(learnloop_upgrades.c.name).where(learnloop_upgrades.c.name == name)
        with self.reader.connect() as conn:
            return conn.execute(query).first() is not None

    def mark_done(self, name: str, at: datetime) -> None:
        done_at = at.astimezone(UTC).replace(tzinfo=None)
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.insert(learnloop_upgrades).values(name=name, done_at=done_at))
        except sa.exc.IntegrityError:
            pass  # another process completed it too: its row stands

    def forget(self, name: str) -> None:
        """Runs the upgrade again at the next start-up (for tests and operators)."""
        with self.engine.begin() as conn:
            conn.execute(sa.delete(learnloop_upgrades).where(learnloop_upgrades.c.name == name))
