"""`learnloop serve` (the API and its scheduled jobs) and `learnloop worker` (the jobs alone)."""

from __future__ import annotations

from pathlib import Path

import click

from adapters.cli import store
from adapters.settings import Settings


@click.command()
@click.option("--host", default=None, help="interface to listen on (default 127.0.0.1)")
@click.option("--port", type=int, default=None, help="port (default 8000)")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="server processes (default 1); more than one needs PostgreSQL",
)
@store.options
def serve(
    host: str | None,
    port: int | None,
    workers: int | None,
    database_url: str | None,
    framework: Path | None,
) -> None:
    """Run the API (and its scheduled jobs)."""
    import uvicorn

    from adapters.http.app import create_app
    from adapters.http.server import uvicorn_options
    from adapters.logging import configure_logging

    settings = store.settings_from(
        host=host, port=port, workers=workers, database_url=database_url, framework=framework
    )
    if settings.workers > 1:
        settings = settings.model_copy(update={"shared_projection": True})
    configure_logging(settings.log_level)
    if settings.workers > 1:
        store.refuse_workers_without_postgres(settings)
        # Creates the tables and catches up once, before any worker; it does not join the
        # workers' election of a projection leader (it would lead for a moment, then leave).
        store.open_learnloop(settings.model_copy(update={"shared_projection": False})).close()
        _serve_workers(settings)
        return
    ll = store.open_learnloop(settings)  # creates the tables and catches up once
    try:
        app = create_app(settings, learnloop=ll)
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            **uvicorn_options(settings),
        )
    finally:
        ll.close()


def _serve_workers(settings: Settings) -> None:
    """uvicorn's worker processes each build the service from LEARNLOOP_* variables: the
    settings this command resolved are handed to them there (ADR 0018)."""
    import os

    import uvicorn

    from adapters.http.server import uvicorn_options

    os.environ.update(worker_environment(settings))
    uvicorn.run(
        "adapters.http.worker:create_worker_app",
        factory=True,
        workers=settings.workers,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        **uvicorn_options(settings),
    )


def worker_environment(settings: Settings) -> dict[str, str]:
    env = {
        "LEARNLOOP_DATABASE_URL": settings.database_url,
        "LEARNLOOP_SHARED_PROJECTION": "true",
        "LEARNLOOP_WORKERS": "1",
    }
    if settings.framework is not None:
        env["LEARNLOOP_FRAMEWORK"] = str(settings.framework.resolve())
    return env


@click.command()
@store.options
def worker(database_url: str | None, framework: Path | None) -> None:
    """Run the scheduled jobs (projections, reminder sweeps and deliveries) without the API."""
    import signal
    import threading

    from adapters.logging import configure_logging
    from adapters.scheduler import start_scheduler, stop_scheduler

    settings = store.settings_from(database_url=database_url, framework=framework)
    configure_logging(settings.log_level)
    ll = store.open_learnloop(settings)
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    scheduler = start_scheduler(ll)
    try:
        stopped.wait()
    finally:
        stop_scheduler(scheduler)
        ll.close()
