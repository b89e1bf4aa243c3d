"""Every endpoint refuses a query parameter it does not know (422), as bodies refuse unknown
fields: a misspelt `asof=` must not quietly answer today's data as if it were history.

One dependency, `KnownQuery`, is applied to every API router (and `PublicKnownQuery` to the
health check). It runs after authentication, so that a request without a valid token is still
401 before anything about it is validated. The names a route knows are those of its own query
parameters and of its dependencies', read once per route from FastAPI's dependency tree.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from adapters.http.auth import CurrentActor

_known: dict[int, frozenset[str]] = {}


def _names(dependant: Dependant) -> set[str]:
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _names(sub)
    return names


def known_names(route: APIRoute) -> frozenset[str]:
    key = id(route)
    if key not in _known:
        _known[key] = frozenset(_names(route.dependant))
    return _known[key]


def check_query(request: Request) -> None:
    """RequestValidationError (422) listing each query parameter the route does not know."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = known_names(route)
    unknown = sorted({name for name in request.query_params if name not in known})
    if not unknown:
        return
    expected = ", ".join(sorted(known)) or "none"
    raise RequestValidationError(
        [
            {
                "type": "unknown_query_parameter",
                "loc": ("query", name),
                "msg": f"'{name}' is not a query parameter of this endpoint (expected: {expected})",
                "input": request.query_params.get(name),
            }
            for name in unknown
        ]
    )


async def _after_authentication(request: Request, _: CurrentActor) -> None:
    check_query(request)


async def _public(request: Request) -> None:
    check_query(request)


KnownQuery: Any = Depends(_after_authentication)
PublicKnownQuery: Any = Depends(_public)
