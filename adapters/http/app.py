"""The FastAPI application. Built by `create_app`; nothing here runs at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from adapters.bootstrap import bootstrap
from adapters.handle import Clock, Learnloop, system_clock
from adapters.http import openapi, problems
from adapters.http.edge import Edge
from adapters.http.query import KnownQuery, PublicKnownQuery
from adapters.http.routes import (
    audits,
    case_reviews,
    dataset,
    exports,
    ics,
    inspection,
    items,
    reminders,
    reports,
)
from adapters.http.routes import framework as framework_routes
from adapters.scheduler import start_scheduler, stop_scheduler
from adapters.settings import Settings
from adapters.web import mount as web
from domain.framework import Framework


def create_app(
    settings: Settings,
    clock: Clock = system_clock,
    learnloop: Learnloop | None = None,
    run_scheduler: bool = True,
    framework: Framework | None = None,
) -> FastAPI:
    """`learnloop` lets a test hand in a prepared instance; otherwise start-up bootstraps one."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ll = learnloop or bootstrap(settings, clock, framework)
        app.state.learnloop = ll
        scheduler = start_scheduler(ll) if run_scheduler else None
        try:
            yield
        finally:
            if scheduler is not None:
                stop_scheduler(scheduler)
            if learnloop is None:
                ll.close()

    app = FastAPI(
        title="learnloop",
        version="1",
        description="Learning and improvement for safeguarding children partnerships: "
        "identification -> improvement -> effectiveness, as immutable events.",
        lifespan=lifespan,
    )
    problems.install(app, settings.max_validation_errors)
    # one ASGI layer: request id, proxies, authentication, limits, idempotency, headers
    app.add_middleware(Edge, settings=settings, clock=clock, policy=web.page_policy())

    @app.get("/healthz", tags=["health"], dependencies=[PublicKnownQuery])
    def healthz() -> Any:
        ll: Learnloop = app.state.learnloop
        try:
            ll.read_models.ping()
            ll.log.recorder.max_notification_id()
        except Exception:
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return {"status": "ok"}

    routers = (framework_routes, items, case_reviews, audits, inspection, reminders, ics)
    for routes in (*routers, reports, dataset, exports):
        app.include_router(
            routes.router, responses=problems.PROBLEM_RESPONSES, dependencies=[KnownQuery]
        )
    web.install(app, settings)  # the pages under / (ADR 0016)
    openapi.install(app)  # the edge's headers, declared
    return app
