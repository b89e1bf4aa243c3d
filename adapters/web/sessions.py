"""Sessions of the web pages: a signed cookie naming a session kept on the server (ADR 0016).

The cookie holds only a random session id, signed with the session secret; the API token the
user pasted stays in the server's memory. A session ends after `idle` without a request or
`max_age` after sign-in, read from the app's clock (tests move it, never sleep). Each session has
its own CSRF token (synchronizer pattern); signing in starts a new session id.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "learnloop_session"
MAX_SESSIONS = 10_000


@dataclass
class Session:
    id: str
    csrf: str
    started: datetime
    seen: datetime
    token: str | None = None  # the user's API token, once signed in
    flash: list[str] = field(default_factory=list)


class Sessions:
    def __init__(
        self,
        secret: str,
        clock: Callable[[], datetime],
        idle: timedelta,
        max_age: timedelta,
    ) -> None:
        self._signer = URLSafeSerializer(secret, salt="learnloop-web-session")
        self._clock = clock
        self._idle = idle
        self._max_age = max_age
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def cookie_value(self, session: Session) -> str:
        return self._signer.dumps(session.id)

    def find(self, cookie: str | None) -> Session | None:
        """The live session the cookie names, or None (no cookie, bad signature, expired)."""
        if not cookie:
            return None
        try:
            session_id = self._signer.loads(cookie)
        except BadSignature:
            return None
        now = self._clock()
        with self._lock:
            session = self._sessions.get(session_id) if isinstance(session_id, str) else None
            if session is None:
                return None
            if now - session.seen > self._idle or now - session.started > self._max_age:
                del self._sessions[session_id]
                return None
            session.seen = now
            return session

    def start(self, token: str | None = None) -> Session:
        now = self._clock()
        session = Session(
            id=secrets.token_urlsafe(32),
            csrf=secrets.token_urlsafe(32),
            started=now,
            seen=now,
            token=token,
        )
        with self._lock:
            self._forget_expired(now)
            self._sessions[session.id] = session
        return session

    def end(self, session: Session) -> None:
        with self._lock:
            self._sessions.pop(session.id, None)

    def _forget_expired(self, now: datetime) -> None:
        if len(self._sessions) < MAX_SESSIONS:
            return
        for sid, s in list(self._sessions.items()):
            if now - s.seen > self._idle or now - s.started > self._max_age:
                del self._sessions[sid]
        while len(self._sessions) >= MAX_SESSIONS:  # the oldest go first
            del self._sessions[next(iter(self._sessions))]


def csrf_ok(session: Session | None, sent: Any) -> bool:
    return (
        session is not None
        and isinstance(sent, str)
        and hmac.compare_digest(session.csrf.encode(), sent.encode())
    )
