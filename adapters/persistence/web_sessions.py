"""The web pages' sessions, in a table every server process reads (ADR 0016).

A row is keyed by the SHA-256 of the session id and names its user by the SHA-256 of their API
token: a copy of the table signs no one in. Times are naive UTC. The cookie secret, when none is
configured, is made once here and read by every process (first one to insert wins).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

metadata = sa.MetaData()

web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("id_sha256", sa.String(64), primary_key=True),
    sa.Column("token_sha256", sa.String(64)),  # None until signed in
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("started", sa.DateTime, nullable=False),
    sa.Column("seen", sa.DateTime, nullable=False, index=True),
    sa.Column("flash", sa.JSON, nullable=False),
)

web_secret = sa.Table(
    "web_secret",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.String(128), nullable=False),
)

SWEEP_AT_MOST = 500


@dataclass
class SessionRow:
    id_sha256: str
    token_sha256: str | None
    csrf: str
    started: datetime
    seen: datetime
    flash: list[str]


class SessionTable:
    """`engine` writes; `reader` (default: the same) finds sessions without SQLite's write lock."""

    def __init__(self, engine: sa.Engine, reader: sa.Engine | None = None) -> None:
        self.engine = engine
        self.reader = reader or engine

    def create_tables(self) -> None:
        metadata.create_all(self.engine)

    def shared_secret(self) -> str:
        """The cookie secret every process agrees on: made by the first, read by the others."""
        query = sa.select(web_secret.c.value).where(web_secret.c.name == "session")
        with self.engine.begin() as conn:
            found = conn.execute(query).scalar()
        if found is not None:
            return found
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    sa.insert(web_secret).values(name="session", value=secrets.token_urlsafe(48))
                )
        except sa.exc.IntegrityError:
            pass  # another process made it first: theirs is read below
        with self.engine.begin() as conn:
            return conn.execute(query).scalar_one()

    def add(self, row: SessionRow) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.insert(web_sessions).values(**vars(row)))

    def get(self, id_sha256: str) -> SessionRow | None:
        query = sa.select(web_sessions).where(web_sessions.c.id_sha256 == id_sha256)
        with self.reader.connect() as conn:
            found = conn.execute(query).mappings().first()
        return SessionRow(**found) if found else None

    def touch(self, id_sha256: str, seen: datetime) -> None:
        self._update(id_sha256, seen=seen)

    def set_flash(self, id_sha256: str, flash: list[str]) -> None:
        self._update(id_sha256, flash=flash)

    def delete(self, id_sha256: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.delete(web_sessions).where(web_sessions.c.id_sha256 == id_sha256))

    def sweep(self, seen_before: datetime, started_before: datetime) -> int:
        """Deletes up to SWEEP_AT_MOST expired sessions; how many it deleted."""
        expired = (
            sa.select(web_sessions.c.id_sha256)
            .where(
                sa.or_(web_sessions.c.seen < seen_before, web_sessions.c.started < started_before)
            )
            .limit(SWEEP_AT_MOST)
        )
        with self.engine.begin() as conn:
            ids = list(conn.execute(expired).scalars())
            if ids:
                conn.execute(sa.delete(web_sessions).where(web_sessions.c.id_sha256.in_(ids)))
        return len(ids)

    def _update(self, id_sha256: str, **values: object) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(web_sessions)
                .where(web_sessions.c.id_sha256 == id_sha256)
                .values(**values)
            )
