"""Bearer tokens -> the acting user. No token or an unknown one is 401."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from adapters.handle import Learnloop
from adapters.http.edge import ACTOR
from adapters.http.problems import Unauthenticated
from domain import access
from domain.actor import Actor
from services.errors import Forbidden, NotFound

_bearer = HTTPBearer(
    auto_error=False, description="the API token that `learnloop users add` printed"
)


# Dependencies that do not block are `async def`: FastAPI runs a plain `def` dependency in its
# thread pool, and each such hop cost more than the work it wrapped (ADR 0017).


async def learnloop(request: Request) -> Learnloop:
    return request.app.state.learnloop


App = Annotated[Learnloop, Depends(learnloop)]


async def current_actor(
    request: Request,
    ll: App,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """The actor the edge authenticated (ADR 0030); without the edge in front, found here."""
    found: Actor | None = request.scope.get(ACTOR)
    if found is not None:
        return found
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("an Authorization: Bearer token is required")
    token = credentials.credentials
    actor = ll.users.recently_authenticated(token)
    if actor is None:
        actor = await run_in_threadpool(ll.users.authenticate, token)
    if actor is None:
        raise Unauthenticated("the token is not recognised")
    structlog.contextvars.bind_contextvars(actor_id=actor.id, actor_role=actor.role)
    return actor


async def reader(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
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
