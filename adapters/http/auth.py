"""Bearer tokens -> the acting user. No token or an unknown one is 401."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from adapters.bootstrap import Learnloop
from adapters.http.problems import Unauthenticated
from domain import access
from domain.actor import Actor
from services.errors import Forbidden, NotFound

_bearer = HTTPBearer(
    auto_error=False, description="the API token that `learnloop users add` printed"
)


def learnloop(request: Request) -> Learnloop:
    return request.app.state.learnloop


App = Annotated[Learnloop, Depends(learnloop)]


def current_actor(
    ll: App,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("an Authorization: Bearer token is required")
    actor = ll.users.authenticate(credentials.credentials)
    if actor is None:
        raise Unauthenticated("the token is not recognised")
    structlog.contextvars.bind_contextvars(actor_id=actor.id, actor_role=actor.role)
    return actor


def reader(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    if not access.may_read_learning(actor):
        raise Forbidden(f"an {actor.role} may not read learning content")
    return actor


def hidden_subgroups(ll: Learnloop, actor: Actor) -> frozenset[str]:
    """The restricted subgroups whose learning `actor` may not read: lists leave them out."""
    return access.hidden_subgroups(actor, ll.framework.subgroups)


def check_item_readable(ll: Learnloop, actor: Actor, subgroup: str, item_id: str) -> None:
    """A learning item of a restricted subgroup the reader may not see answers 404, as if it
    did not exist: a 403 would tell a non-member that the panel holds such an item."""
    if subgroup in hidden_subgroups(ll, actor):
        raise NotFound("learning item", item_id)


def check_subgroup_readable(ll: Learnloop, actor: Actor, slug: str) -> None:
    """A restricted subgroup's board or calendar answers 403 to a reader who may not see it:
    the subgroup itself is public (GET /subgroups lists it, with `restricted`)."""
    if slug in hidden_subgroups(ll, actor):
        raise Forbidden(f"subgroup '{slug}' is restricted to its members")


CurrentActor = Annotated[Actor, Depends(current_actor)]
Reader = Annotated[Actor, Depends(reader)]
