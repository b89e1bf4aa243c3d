"""Web sessions in the database: any server process finds a session another one started, and
the table holds no secret that signs anyone in. Each `open_learnloop()` is one process."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from adapters.bootstrap import Learnloop
from adapters.persistence.web_sessions import web_sessions

Open = Callable[..., Learnloop]


def _signed_in(ll: Learnloop) -> tuple[str, str]:
    """A new inspector's token and the cookie of a session they signed in with."""
    token = ll.users.add("Ines Inspector", "inspector", [], set()).token
    return token, ll.web_sessions.cookie_value(ll.web_sessions.start(token))


def test_a_session_started_by_one_process_is_found_by_another(open_learnloop: Open) -> None:
    a, b = open_learnloop(), open_learnloop()
    token, cookie = _signed_in(a)
    found = b.web_sessions.find(cookie)
    assert found is not None
    assert found.token_hash is not None
    assert b.users.authenticate_hash(found.token_hash) == a.users.authenticate(token)
    assert found.csrf == a.web_sessions.find(cookie).csrf  # type: ignore[union-attr]


def test_a_flash_message_set_by_one_process_is_shown_once_by_another(open_learnloop: Open) -> None:
    a, b = open_learnloop(), open_learnloop()
    _, cookie = _signed_in(a)
    a.web_sessions.flash(a.web_sessions.find(cookie), "Recorded")  # type: ignore[arg-type]
    session = b.web_sessions.find(cookie)
    assert session is not None
    assert b.web_sessions.take_flash(session) == ["Recorded"]
    assert a.web_sessions.take_flash(a.web_sessions.find(cookie)) == []  # type: ignore[arg-type]


def test_signing_out_in_one_process_ends_the_session_in_every_one(open_learnloop: Open) -> None:
    a, b = open_learnloop(), open_learnloop()
    _, cookie = _signed_in(a)
    b.web_sessions.end(b.web_sessions.find(cookie))  # type: ignore[arg-type]
    assert a.web_sessions.find(cookie) is None
    assert b.web_sessions.find(cookie) is None


def test_the_table_holds_neither_the_session_id_nor_the_token(open_learnloop: Open) -> None:
    ll = open_learnloop()
    token = ll.users.add("Ines Inspector", "inspector", [], set()).token
    session = ll.web_sessions.start(token)
    with ll.store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(sa.select(web_sessions)).mappings()]
    stored = repr(rows)
    assert len(rows) == 1
    assert session.id not in stored
    assert token not in stored


def test_a_forged_or_unsigned_cookie_finds_nothing(open_learnloop: Open) -> None:
    ll = open_learnloop()
    session = ll.web_sessions.start("token")
    forged = URLSafeSerializer("guessed", salt="learnloop-web-session").dumps(session.id)
    assert ll.web_sessions.find(forged) is None
    assert ll.web_sessions.find(session.id) is None
    assert ll.web_sessions.find(session.key) is None  # the stored key is no cookie either
    assert ll.web_sessions.find(ll.web_sessions.cookie_value(session)) is not None


def test_processes_without_a_configured_secret_agree_on_the_stored_one(
    open_learnloop: Open,
) -> None:
    a, b = open_learnloop(), open_learnloop()
    configured = open_learnloop(session_secret="configured-" + "s" * 32)
    cookie = a.web_sessions.cookie_value(a.web_sessions.start("token"))
    assert b.web_sessions.find(cookie) is not None
    assert configured.web_sessions.find(cookie) is None  # another secret: another signature


def test_a_session_ends_after_the_idle_time_in_every_process(open_learnloop: Open, clock) -> None:
    a, b = open_learnloop(), open_learnloop()
    _, cookie = _signed_in(a)
    clock.advance(minutes=29)
    assert b.web_sessions.find(cookie) is not None  # a request in B renews it for A too
    clock.advance(minutes=29)
    assert a.web_sessions.find(cookie) is not None
    clock.advance(minutes=31)
    assert b.web_sessions.find(cookie) is None
    clock.advance(minutes=-31)
    assert a.web_sessions.find(cookie) is None  # the expired row was deleted


def test_a_session_ends_at_its_maximum_age_however_busy(open_learnloop: Open, clock) -> None:
    a, b = open_learnloop(), open_learnloop()
    _, cookie = _signed_in(a)
    for i in range(16):
        clock.advance(minutes=29)
        assert (a if i % 2 else b).web_sessions.find(cookie) is not None
    clock.advance(minutes=17)
    assert a.web_sessions.find(cookie) is None


def test_signing_in_sweeps_expired_sessions(open_learnloop: Open, clock) -> None:
    ll = open_learnloop()
    for _ in range(3):
        ll.web_sessions.start()
    clock.advance(minutes=31)
    ll.web_sessions.start("token")
    with ll.store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(web_sessions)).scalar() == 1


def test_the_last_use_is_written_at_most_once_a_minute(open_learnloop: Open, clock) -> None:
    ll = open_learnloop()
    _, cookie = _signed_in(ll)
    started = ll.web_sessions.find(cookie).seen  # type: ignore[union-attr]
    clock.advance(seconds=59)
    assert ll.web_sessions.find(cookie).seen == started  # type: ignore[union-attr]
    clock.advance(seconds=1)
    assert ll.web_sessions.find(cookie).seen == started + timedelta(minutes=1)  # type: ignore[union-attr]
