"""The methods a path allows, for a 405's `Allow` (every route of the path, HEAD with GET)."""

from __future__ import annotations

from starlette.routing import Match, Mount
from starlette.types import Scope

PROBED = ("GET", "POST", "PUT", "PATCH", "DELETE")


def allowed(scope: Scope) -> str:
    """Every method some route allows on this path (HEAD wherever GET is)."""
    routes = [r for r in scope["app"].router.routes if not isinstance(r, Mount)]
    methods = {
        method
        for method in PROBED
        for route in routes
        if route.matches(_probe(scope, method))[0] == Match.FULL
    }
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


def _probe(scope: Scope, method: str) -> Scope:
    """A scope of its own, so matching leaves the request's untouched."""
    return {
        "type": "http",
        "method": method,
        "path": scope["path"],
        "root_path": scope.get("root_path", ""),
        "headers": [],
        "query_string": b"",
    }
