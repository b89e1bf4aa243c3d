"""Fixtures every suite shares: the stores each case runs on, and a clock the test moves.

`database_url` is parametrized over the stores (an SQLite file; on PostgreSQL one database per
test process, its schema emptied before each test). Without PostgreSQL its cases skip locally and
fail in CI (`CI` set).
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from adapters.logging import configure_logging

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def pytest_configure(config: pytest.Config) -> None:
    """Logs as the service writes them (JSON, plain tracebacks), warnings and worse only.

    Without this, code run in-process logs through structlog's development renderer, which
    draws each traceback with its local variables: one refused request took a minute to log.
    """
    configure_logging("warning", sys.stderr)


class Clock:
    """A clock the test moves: tz-aware UTC, starting 2026-05-01T09:00Z."""

    def __init__(self, now: datetime = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def _admin_url() -> str:
    return os.environ.get("LEARNLOOP_TEST_POSTGRES_URL", ADMIN_URL)


@pytest.fixture(scope="session")
def _postgres_worker_database() -> Iterator[tuple[psycopg.Connection[Any], str]]:
    """One PostgreSQL database per test process (each xdist worker has its own), emptied before
    every test that asks for a store: creating and dropping a database per test cost more than
    most tests themselves."""
    admin = sa.make_url(_admin_url())
    try:
        conn = psycopg.connect(_admin_url(), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        reason = f"PostgreSQL at {admin.render_as_string(hide_password=True)} unreachable: {error}"
        yield None, reason  # type: ignore[misc]
        return
    name = f"learnloop_t_{uuid.uuid4().hex[:8]}"
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        try:
            yield conn, name
        finally:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_database(_postgres_worker_database: tuple[Any, str]) -> str:
    """An empty PostgreSQL database for one test: the process's database with its `public`
    schema dropped and created again (and any session left from the test before ended)."""
    conn, name = _postgres_worker_database
    if conn is None:
        if os.environ.get("CI"):
            pytest.fail(name)
        pytest.skip(name)
    conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid()",
        (name,),
    )
    url = sa.make_url(_admin_url()).set(drivername="postgresql+psycopg", database=name)
    with psycopg.connect(
        url.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True
    ) as db:
        db.execute("DROP SCHEMA IF EXISTS public CASCADE")
        db.execute("CREATE SCHEMA public")
    return url.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/learnloop.db"
    return request.getfixturevalue("postgres_database")


@pytest.fixture
def clock() -> Clock:
    return Clock()
