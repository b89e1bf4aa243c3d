"""What the edge adds to every operation, declared in the OpenAPI document (issue 16, item 8):
the `Idempotency-Key` and `If-Match` headers a POST takes, and the `X-Request-ID` every answer
carries. The routes' own schemas are theirs."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

IDEMPOTENCY_KEY: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "a retry with the same key and body replays the first answer (ADR 0012)",
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": 255,
        "pattern": "^[!-~]([ -~]*[!-~])?$",
    },
}
IF_MATCH: dict[str, Any] = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "the version (ETag) the client last saw; another is 412",
    "schema": {"type": "string"},
}
REQUEST_ID = {
    "description": "the request's id, as in the logs",
    "schema": {"type": "string"},
}


def install(app: FastAPI) -> None:
    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            for path in schema.get("paths", {}).values():
                for method, operation in path.items():
                    _declare(method, operation)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]


def _declare(method: str, operation: dict[str, Any]) -> None:
    if method == "post":
        parameters = operation.setdefault("parameters", [])
        named = {p.get("name", "").lower() for p in parameters}
        for header in (IDEMPOTENCY_KEY, IF_MATCH):
            if header["name"].lower() not in named:
                parameters.append(header)
    for response in operation.get("responses", {}).values():
        response.setdefault("headers", {})["X-Request-ID"] = REQUEST_ID
