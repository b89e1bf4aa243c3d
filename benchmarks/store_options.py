"""Compare event stores: the eventsourcing library's native recorders vs eventsourcing-sqlalchemy.

For each store this creates a fresh database (a file in a temporary directory, or a PostgreSQL
database `learnloop_bench_<hex>` that is dropped afterwards) and measures, single-threaded:

  (a) saves/s and p50/p99 latency: one aggregate, N calls of `Application.save`, each with one
      new event (the aggregate's creation is saved first, untimed, as a warm-up);
  (b) read-and-decode rate: `recorder.select_notifications` paged 1000 at a time over every
      notification, with `mapper.to_domain_event` for each.

SQLite runs in WAL mode with the default `synchronous`; PostgreSQL with the server's settings
(both printed). Needs `eventsourcing-sqlalchemy`, which is not a learnloop dependency.

    .venv/bin/python benchmarks/store_options.py [--events 3000] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import gc
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from sqlalchemy.engine import URL, make_url

PAGE = 1000


class Counter(Aggregate):
    def __init__(self) -> None:
        self.count = 0

    @event("Incremented")
    def increment(self) -> None:
        self.count += 1


class Bench(Application):
    pass


@dataclass
class Result:
    store: str
    saves_per_s: float
    p50_ms: float
    p99_ms: float
    decoded_per_s: float
    events: int
    note: str


def measure(store: str, env: dict[str, str], n: int, note: Callable[[Application], str]) -> Result:
    app = Bench(env=env)  # kept referenced while its recorder is in use
    try:
        counter = Counter()
        app.save(counter)  # warm-up: creates the table's first row and the connection
        latencies: list[float] = []
        gc.collect()
        started = time.perf_counter()
        for _ in range(n):
            counter.increment()
            t0 = time.perf_counter()
            app.save(counter)
            latencies.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - started

        decoded = 0
        position = 0
        t0 = time.perf_counter()
        while True:
            page = app.recorder.select_notifications(position, PAGE, inclusive_of_start=False)
            for notification in page:
                app.mapper.to_domain_event(notification)
            decoded += len(page)
            if len(page) < PAGE:
                break
            position = page[-1].id
        read_s = time.perf_counter() - t0
        if decoded != n + 1:
            raise RuntimeError(f"{store}: read {decoded} notifications, expected {n + 1}")

        cuts = statistics.quantiles(latencies, n=100, method="inclusive")
        return Result(
            store, n / elapsed, cuts[49] * 1e3, cuts[98] * 1e3, decoded / read_s, decoded, note(app)
        )
    finally:
        app.close()
        engine = getattr(getattr(app.factory, "datastore", None), "engine", None)
        if engine is not None and hasattr(engine, "dispose"):
            engine.dispose()


def sqlite_note(path: Path) -> Callable[[Application], str]:
    def note(_app: Application) -> str:
        with sqlite3.connect(path) as conn:
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            sync = conn.execute("PRAGMA synchronous").fetchone()[0]
        conn.close()
        return f"journal_mode={mode}, synchronous={sync} (2=FULL)"

    return note


@contextmanager
def postgres_database(admin_url: URL) -> Iterator[URL]:
    name = f"learnloop_bench_{uuid.uuid4().hex[:12]}"
    dsn = admin_url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.set(database=name)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_note(url: URL) -> Callable[[Application], str]:
    def note(_app: Application) -> str:
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn) as conn:
            sync = conn.execute("SHOW synchronous_commit").fetchone()[0]
            fsync = conn.execute("SHOW fsync").fetchone()[0]
        return f"synchronous_commit={sync}, fsync={fsync}"

    return note


def native_postgres_env(url: URL) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": url.database or "postgres",
        "POSTGRES_HOST": url.host or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": url.username or "postgres",
        "POSTGRES_PASSWORD": url.password or "",
    }


def run(n: int, postgres_url: str) -> list[Result]:
    results = []
    with tempfile.TemporaryDirectory(prefix="learnloop_bench_") as tmp:
        path = Path(tmp, "native.db")
        env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}
        results.append(measure("native sqlite", env, n, sqlite_note(path)))

        path = Path(tmp, "sqla.db")
        env = {
            "PERSISTENCE_MODULE": "eventsourcing_sqlalchemy",
            "SQLALCHEMY_URL": f"sqlite:///{path}",
        }
        results.append(measure("eventsourcing-sqlalchemy sqlite", env, n, sqlite_note(path)))

    admin = make_url(postgres_url)
    with postgres_database(admin) as url:
        env = native_postgres_env(url)
        results.append(measure("native postgres", env, n, postgres_note(url)))

    with postgres_database(admin) as url:
        sqla_url = url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        env = {"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy", "SQLALCHEMY_URL": sqla_url}
        results.append(measure("eventsourcing-sqlalchemy postgres", env, n, postgres_note(url)))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=3000, help="timed saves per store")
    parser.add_argument(
        "--postgres-url",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="a database to connect to while creating and dropping the benchmark databases",
    )
    args = parser.parse_args(argv)
    if args.events < 2:
        parser.error("--events must be at least 2")

    results = run(args.events, args.postgres_url)
    print(
        f"{args.events} saves per store; python {platform.python_version()}, "
        f"sqlite {sqlite3.sqlite_version}, {platform.machine()}"
    )
    print()
    print("| store | saves/s | p50 ms | p99 ms | decode events/s |")
    print("|---|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r.store} | {r.saves_per_s:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} "
            f"| {r.decoded_per_s:,.0f} |"
        )
    print()
    for r in results:
        print(f"{r.store}: {r.note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
