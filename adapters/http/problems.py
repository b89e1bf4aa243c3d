"""RFC 9457 problem details: every error the API gives, mapped in one place."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.errors import InvalidField, RuleViolation, UnknownPart
from services.errors import Forbidden, NotFound, VersionMismatch

PROBLEM = "application/problem+json"
log = structlog.get_logger()


class Unauthenticated(Exception):
    pass


class PreconditionFailed(Exception):
    pass


def problem(
    status: int,
    title: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://learnloop.example/problems/{title.lower().replace(' ', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


_PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


def _documented(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": _PROBLEM_SCHEMA}}}


# Every API operation may answer these, as RFC 9457 problem details (documented in OpenAPI).
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _documented("More than one Authorization header"),
    401: _documented("No token, or a token that is not recognised"),
    403: _documented("The role or subgroup may not do this"),
    404: _documented("No such resource"),
    409: _documented("A rule of the framework forbids the step"),
    412: _documented("If-Match names another version"),
    408: _documented("The request body did not arrive in time"),
    413: _documented("The request body is too large"),
    422: _documented("Malformed input: `errors` names each field"),
    429: _documented("Too many requests (per user, or per address): see Retry-After"),
}


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _error(e: Any) -> dict[str, str]:
    if e.get("type") == "json_invalid":  # its location is a byte offset, not a field
        return {"field": "body", "message": "the body is not valid JSON"}
    return {"field": _field(e["loc"]), "message": e["msg"].removeprefix("Value error, ")}


def install(app: FastAPI, max_errors: int = 20) -> None:
    """`max_errors`: a 422 names at most this many (a body of 60,000 unknown keys is not
    answered with 60,000 errors); `detail` says how many more there were."""

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        found = exc.errors()
        errors = [_error(e) for e in found[:max_errors]]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        if len(found) > max_errors:
            detail += f"; and {len(found) - max_errors} more"
        return problem(422, "Invalid request", detail, errors)

    @app.exception_handler(InvalidField)
    async def invalid_field(_: Request, exc: InvalidField) -> JSONResponse:
        errors = [{"field": exc.field, "message": exc.message}]
        return problem(422, "Invalid request", str(exc), errors)

    @app.exception_handler(RuleViolation)
    async def rule_violation(_: Request, exc: RuleViolation) -> JSONResponse:
        return problem(409, "Forbidden by the framework", exc.rule)

    @app.exception_handler(UnknownPart)
    async def unknown_part(_: Request, exc: UnknownPart) -> JSONResponse:
        return problem(404, "Not found", str(exc))

    @app.exception_handler(NotFound)
    async def not_found(_: Request, exc: NotFound) -> JSONResponse:
        return problem(404, "Not found", str(exc))

    @app.exception_handler(Forbidden)
    async def forbidden(_: Request, exc: Forbidden) -> JSONResponse:
        return problem(403, "Forbidden", str(exc))

    @app.exception_handler(Unauthenticated)
    async def unauthenticated(_: Request, exc: Unauthenticated) -> JSONResponse:
        headers = {"WWW-Authenticate": 'Bearer realm="learnloop"'}
        return problem(401, "Unauthenticated", str(exc), headers=headers)

    @app.exception_handler(VersionMismatch)
    async def version_mismatch(_: Request, exc: VersionMismatch) -> JSONResponse:
        return problem(412, "Precondition failed", f"If-Match: {exc}")

    @app.exception_handler(PreconditionFailed)
    async def precondition_failed(_: Request, exc: PreconditionFailed) -> JSONResponse:
        return problem(412, "Precondition failed", str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # a body that is not JSON at all: malformed input, 422
            errors = [{"field": "body", "message": str(exc.detail)}]
            return problem(422, "Invalid request", f"body: {exc.detail}", errors)
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
        return problem(exc.status_code, title, str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", error_type=type(exc).__name__)
        return problem(500, "Internal error", "the server failed; the request id is in the logs")
