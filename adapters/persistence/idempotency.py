"""Idempotency keys: what a POST carrying an `Idempotency-Key` produced, so a retry replays it.

A plain table beside the read models (like `users`): it is delivery bookkeeping, not learning
content. A row is claimed `in_flight` before the request runs and becomes `done` with the response
once it has run. The user is the SHA-256 of their bearer token (the token is never stored), and
the request is a SHA-256 fingerprint the HTTP adapter computes. `first_position` and
`last_position` are the event log's maximum notification id before and after the request ran: the
events the request produced lie in `(first_position, last_position]` (with concurrent writers,
that range may hold their events too). Keys expire `TTL` after they were first used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

metadata = sa.MetaData()

IN_FLIGHT = "in_flight"
DONE = "done"
TTL = timedelta(hours=24)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("user_hash", sa.String(64), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("response_status", sa.Integer),
    sa.Column("response_headers", sa.JSON),
    sa.Column("response_body", sa.LargeBinary),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("first_position", sa.BigInteger),
    sa.Column("last_position", sa.BigInteger),
)


@dataclass(frozen=True)
class Recorded:
    """A key already in use: the request it was first used with and, once done, its response."""

    fingerprint: str
    status: str
    response_status: int | None
    response_headers: list[list[str]] | None
    response_body: bytes | None


class IdempotencyKeys:
    def __init__(self, engine: sa.Engine, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.clock = clock

    def create_tables(self) -> None:
        metadata.create_all(self.engine)

    def _now(self) -> datetime:
        return self.clock().astimezone(UTC).replace(tzinfo=None)

    def claim(
        self, user_hash: str, key: str, fingerprint: str, first_position: int | None
    ) -> Recorded | None:
        """Claims `key` for a new request (None), or returns what it was already used for.

        The user's expired keys are forgotten first, so a key may be used again after `TTL`.
        """
        now = self._now()
        mine = (idempotency_keys.c.user_hash == user_hash) & (idempotency_keys.c.key == key)
        for _ in range(3):
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        sa.delete(idempotency_keys).where(
                            idempotency_keys.c.user_hash == user_hash,
                            idempotency_keys.c.created_at <= now - TTL,
                        )
                    )
                    row = conn.execute(sa.select(idempotency_keys).where(mine)).mappings().first()
                    if row is not None:
                        return Recorded(
                            fingerprint=row["fingerprint"],
                            status=row["status"],
                            response_status=row["response_status"],
                            response_headers=row["response_headers"],
                            response_body=row["response_body"],
                        )
                    conn.execute(
                        sa.insert(idempotency_keys).values(
                            user_hash=user_hash,
                            key=key,
                            fingerprint=fingerprint,
                            status=IN_FLIGHT,
                            created_at=now,
                            first_position=first_position,
                        )
                    )
                return None
            except sa.exc.IntegrityError:
                continue  # another request claimed the key meanwhile: read what it holds
        raise RuntimeError(f"could not claim idempotency key {key!r}")

    def complete(
        self,
        user_hash: str,
        key: str,
        status: int,
        headers: list[list[str]],
        body: bytes,
        last_position: int | None,
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(idempotency_keys)
                .where(idempotency_keys.c.user_hash == user_hash, idempotency_keys.c.key == key)
                .values(
                    status=DONE,
                    response_status=status,
                    response_headers=headers,
                    response_body=body,
                    last_position=last_position,
                )
            )

    def release(self, user_hash: str, key: str) -> None:
        """Forgets a claimed key (the request failed on the server), so a retry runs again."""
        with self.engine.begin() as conn:
            conn.execute(
                sa.delete(idempotency_keys).where(
                    idempotency_keys.c.user_hash == user_hash, idempotency_keys.c.key == key
                )
            )
