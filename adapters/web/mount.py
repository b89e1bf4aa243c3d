"""Mounting the web pages beside the API: GOV.UK Frontend's assets, sessions, routes, errors."""

from __future__ import annotations

from pathlib import Path

import structlog
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.staticfiles import StaticFiles

from adapters.http import security_headers
from adapters.settings import Settings
from adapters.web import pages
from adapters.web.routes import (
    amendments,
    dashboard,
    items,
    lists,
    new_item,
    reports,
    signing,
    writes,
)

REPOSITORY = Path(__file__).resolve().parents[2]
DEFAULT_ASSETS = REPOSITORY / "node_modules" / "govuk-frontend" / "dist" / "govuk"
MISSING = (
    "GOV.UK Frontend is not installed at {path}: run `npm ci` in the repository "
    "(`make serve` does), or set LEARNLOOP_GOVUK_FRONTEND_DIR to its dist/govuk directory."
)


def install(app: FastAPI, settings: Settings) -> None:
    """The sessions are `Learnloop.web_sessions`, built by the composition root."""
    _mount_assets(app, settings.govuk_frontend_dir or DEFAULT_ASSETS)
    for routes in (signing, dashboard, lists, items, new_item, writes, amendments, reports):
        app.include_router(routes.router, include_in_schema=False)
    app.add_exception_handler(pages.WebError, pages.error_page)  # type: ignore[arg-type]
    app.add_exception_handler(pages.SignInRequired, pages.to_sign_in)  # type: ignore[arg-type]


def _mount_assets(app: FastAPI, dist: Path) -> None:
    """`/assets/govuk/...` the CSS and JS; `/assets/...` the fonts and images the CSS names."""
    if not (dist / "govuk-frontend.min.css").is_file():
        message = MISSING.format(path=dist)
        structlog.get_logger().error("govuk_frontend_missing", path=str(dist))

        @app.get("/assets/{path:path}", include_in_schema=False)
        def missing(path: str) -> PlainTextResponse:
            return PlainTextResponse(message, status_code=503)

        return
    app.mount("/assets/govuk", StaticFiles(directory=dist), name="govuk-frontend")
    app.mount("/assets", StaticFiles(directory=dist / "assets"), name="govuk-assets")


def page_policy() -> str:
    """The pages' Content-Security-Policy, allowing the templates' inline scripts by hash."""
    return security_headers.page_policy(*security_headers.inline_hashes(pages.TEMPLATES))
