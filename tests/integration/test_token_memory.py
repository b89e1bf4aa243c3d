"""A token found is remembered for 5 s (no query per request), never an unknown one: the v1.1
contract's bound on how long a removed user's token may still be served."""

from __future__ import annotations

from adapters.bootstrap import Learnloop


def test_a_found_token_is_remembered_for_five_seconds_and_an_unknown_one_never(
    ll: Learnloop, clock
) -> None:
    known = {s.slug for s in ll.framework.subgroups}
    new = ll.users.add("Ines Inspector", "inspector", [], known)

    assert ll.users.recently_authenticated(new.token) is None  # not asked yet
    assert ll.users.authenticate(new.token) == new.actor
    assert ll.users.recently_authenticated(new.token) == new.actor
    clock.advance(seconds=4)
    assert ll.users.recently_authenticated(new.token) == new.actor
    clock.advance(seconds=1)
    assert ll.users.recently_authenticated(new.token) is None

    assert ll.users.authenticate(new.token + "x") is None
    assert ll.users.recently_authenticated(new.token + "x") is None
