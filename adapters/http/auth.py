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
from services.errors import Forbidden

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


CurrentActor = Annotated[Actor, Depends(current_actor)]
Reader = Annotated[Actor, Depends(reader)]
