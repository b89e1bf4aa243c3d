"""Sessions of the web pages: a signed cookie naming a session kept in the database (ADR 0016).

The cookie holds only a random session id, signed with the session secret. The table every
server process shares keeps the SHA-256 of that id and of the user's API token, never either
itself. A session ends after `idle` without a request or `max_age` after sign-in, read from the
app's clock (tests move it, never sleep); the last use is written at most once per TOUCH_EVERY,
so idle expiry is accurate to that. Each session has its own CSRF token (synchronizer pattern);
signing in starts a new session id. The sign-in form of a visitor without a session is protected
by a signed double-submit nonce instead (a cookie holding the nonce and its time, signed; the form
carrying the nonce), so a visit stores nothing: a row is written only for a user signed in.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from adapters.persistence.users import token_hash as sha256_hex
from adapters.persistence.web_sessions import SessionRow, SessionTable

COOKIE = "learnloop_session"
SIGN_IN_COOKIE = "learnloop_sign_in"  # the sign-in form's CSRF nonce, signed: no row per visitor
TOUCH_EVERY = timedelta(minutes=1)


@dataclass
class Session:
    id: str  # the raw id, known only to the request that carries its cookie
    csrf: str
    started: datetime
    seen: datetime
    token_hash: str | None = None  # the SHA-256 of the user's API token, once signed in
    flash: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return sha256_hex(self.id)


class Sessions:
    def __init__(
        self,
        secret: str,
        table: SessionTable,
        clock: Callable[[], datetime],
        idle: timedelta,
        max_age: timedelta,
    ) -> None:
        self._signer = URLSafeSerializer(secret, salt="learnloop-web-session")
        self._sign_in_signer = URLSafeSerializer(secret, salt="learnloop-sign-in")
        self._table = table
        self._clock = clock
        self._idle = idle
        self._max_age = max_age

    def cookie_value(self, session: Session) -> str:
        return self._signer.dumps(session.id)

    def signed_key(self, cookie: str | None) -> str | None:
        """The SHA-256 of the session id a cookie carries when its signature holds, without
        a query (the edge limits signed-in pages by it; only a sign-in issues such a cookie)."""
        if not cookie:
            return None
        try:
            session_id = self._signer.loads(cookie)
        except BadSignature:
            return None
        return sha256_hex(session_id) if isinstance(session_id, str) else None

    def find(self, cookie: str | None) -> Session | None:
        """The live session the cookie names, or None (no cookie, bad signature, expired)."""
        if not cookie:
            return None
        try:
            session_id = self._signer.loads(cookie)
        except BadSignature:
            return None
        if not isinstance(session_id, str):
            return None
        row = self._table.get(sha256_hex(session_id))
        if row is None:
            return None
        now = self._now()
        if now - row.seen > self._idle or now - row.started > self._max_age:
            self._table.delete(row.id_sha256)
            return None
        if now - row.seen >= TOUCH_EVERY:
            self._table.touch(row.id_sha256, now)
            row.seen = now
        return Session(session_id, row.csrf, row.started, row.seen, row.token_sha256, row.flash)

    def start(self, token: str | None = None) -> Session:
        now = self._now()
        self._table.sweep(seen_before=now - self._idle, started_before=now - self._max_age)
        session = Session(
            id=secrets.token_urlsafe(32),
            csrf=secrets.token_urlsafe(32),
            started=now,
            seen=now,
            token_hash=sha256_hex(token) if token is not None else None,
        )
        self._table.add(
            SessionRow(session.key, session.token_hash, session.csrf, now, now, session.flash)
        )
        return session

    def sign_in_nonce(self) -> tuple[str, str]:
        """A nonce for the sign-in form, and the signed cookie value that vouches for it."""
        nonce = secrets.token_urlsafe(32)
        return nonce, self._sign_in_signer.dumps([nonce, self._now().isoformat()])

    def sign_in_nonce_ok(self, cookie: str | None, sent: Any) -> bool:
        """The form's nonce is the one the cookie vouches for, issued within the idle time."""
        if not cookie or not isinstance(sent, str):
            return False
        try:
            nonce, issued = self._sign_in_signer.loads(cookie)
            age = self._now() - datetime.fromisoformat(issued)
        except (BadSignature, ValueError, TypeError):
            return False
        fresh = timedelta(0) <= age <= self._idle
        return fresh and hmac.compare_digest(str(nonce).encode(), sent.encode())

    def end(self, session: Session) -> None:
        self._table.delete(session.key)

    def flash(self, session: Session, message: str) -> None:
        """A message the session's next page shows once."""
        session.flash.append(message)
        self._table.set_flash(session.key, session.flash)

    def take_flash(self, session: Session) -> list[str]:
        taken = session.flash[:]
        if taken:
            session.flash.clear()
            self._table.set_flash(session.key, [])
        return taken

    def _now(self) -> datetime:
        return self._clock().astimezone(UTC).replace(tzinfo=None)


def csrf_ok(session: Session | None, sent: Any) -> bool:
    return (
        session is not None
        and isinstance(sent, str)
        and hmac.compare_digest(session.csrf.encode(), sent.encode())
    )
