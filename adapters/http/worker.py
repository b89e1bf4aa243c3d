"""The application factory of each worker process of `learnloop serve --workers N`."""

from __future__ import annotations

from fastapi import FastAPI

from adapters.http.app import create_app
from adapters.logging import configure_logging
from adapters.settings import Settings


def create_worker_app() -> FastAPI:
    """Settings come from LEARNLOOP_* variables, which `serve` set from its own options."""
    settings = Settings()
    configure_logging(settings.log_level)
    return create_app(settings)
