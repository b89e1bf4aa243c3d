"""Web sessions: a signed id, server-side expiry on the app's clock, CSRF compared in constant
time. The table is an in-memory SQLite database; tests/integration runs the store on both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from adapters.persistence.users import token_hash
from adapters.persistence.web_sessions import SessionTable
from adapters.sessions import Sessions, csrf_ok

START = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def table() -> SessionTable:
    t = SessionTable(sa.create_engine("sqlite://"))
    t.create_tables()
    return t


def sessions(clock: Clock, secret: str = "s" * 32, store: SessionTable | None = None) -> Sessions:
    return Sessions(
        secret, store or table(), clock, idle=timedelta(minutes=30), max_age=timedelta(hours=8)
    )


def test_a_session_is_found_by_its_signed_cookie_and_not_by_its_bare_id() -> None:
    store = sessions(Clock())
    session = store.start("token")
    cookie = store.cookie_value(session)
    found = store.find(cookie)
    assert found is not None
    assert (found.id, found.csrf, found.token_hash) == (
        session.id,
        session.csrf,
        token_hash("token"),
    )
    assert "token" not in cookie
    assert store.find(session.id) is None
    assert store.find(sessions(Clock(), "another secret").cookie_value(session)) is None


def test_a_session_ends_after_the_idle_time_without_a_request() -> None:
    clock = Clock()
    store = sessions(clock)
    cookie = store.cookie_value(store.start("token"))
    clock.now += timedelta(minutes=29)
    assert store.find(cookie) is not None  # a request renews it
    clock.now += timedelta(minutes=29)
    assert store.find(cookie) is not None
    clock.now += timedelta(minutes=31)
    assert store.find(cookie) is None


def test_a_session_ends_at_its_maximum_age_however_busy() -> None:
    clock = Clock()
    store = sessions(clock)
    cookie = store.cookie_value(store.start("token"))
    for _ in range(16):
        clock.now += timedelta(minutes=29)
        store.find(cookie)
    clock.now += timedelta(minutes=29)
    assert clock.now - START > timedelta(hours=8)
    assert store.find(cookie) is None


def test_the_csrf_token_must_be_the_sessions_own() -> None:
    store = sessions(Clock())
    session, other = store.start(), store.start()
    assert csrf_ok(session, session.csrf)
    assert not csrf_ok(session, other.csrf)
    assert not csrf_ok(session, None)
    assert not csrf_ok(None, session.csrf)


def test_signing_out_ends_the_session() -> None:
    store = sessions(Clock())
    session = store.start("token")
    store.end(session)
    assert store.find(store.cookie_value(session)) is None
