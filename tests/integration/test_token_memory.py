"""A token found is remembered for a minute (no query per request), never an unknown one."""

from __future__ import annotations

from adapters.bootstrap import Learnloop


def test_a_found_token_is_remembered_for_a_minute_and_an_unknown_one_never(
    ll: Learnloop, clock
) -> None:
    known = {s.slug for s in ll.framework.subgroups}
    new = ll.users.add("Ines Inspector", "inspector", [], known)

    assert ll.users.recently_authenticated(new.token) is None  # not asked yet
    assert ll.users.authenticate(new.token) == new.actor
    assert ll.users.recently_authenticated(new.token) == new.actor
    clock.advance(seconds=59)
    assert ll.users.recently_authenticated(new.token) == new.actor
    clock.advance(seconds=1)
    assert ll.users.recently_authenticated(new.token) is None

    assert ll.users.authenticate(new.token + "x") is None
    assert ll.users.recently_authenticated(new.token + "x") is None
