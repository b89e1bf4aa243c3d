"""learnloop's performance targets (issues 7 and 13), each a ratio to a baseline measured in this
run.

    .venv/bin/python benchmarks/run.py [--stores sqlite,postgres] [--only P1,P4]
        [--events 1000000] [--quick] [--workers N]

Per store: a small store (10k events) and a large one (--events, default 1M), both seeded through
the aggregates and the real event store (hash chain, then projected), and the real `learnloop
serve` started as a subprocess on 127.0.0.1 for each load.
  P1    commands/s through HTTP (1, 16, 32 connections; the best counts) vs a bare FastAPI
        POST route parsing the same bodies and answering 201 (bare_app.py), served by the same
        `learnloop serve` command line, loaded right after each product load; on PostgreSQL with
        workers. A raw single-row insert+commit loop on the same storage with the product's
        durability (SQLite WAL + synchronous=FULL; PostgreSQL as configured) is a reference row.
  P2    GET item req/s (16 connections) vs a bare FastAPI `def` route served by the same
        `learnloop serve` command line (bare_app.py), answering a real item's JSON.
  P3    `Projector.rebuild()` events/s vs the library's bare read-and-decode of the same log.
  P4    GET item and GET history p50/p99 (1 connection) on the large store vs the small one.
  P5    the 2026 annual report over 10 years of history vs over 1 (report_history.py).
  P6    the server's peak RSS (VmHWM) after the same GET load, large store vs small.
  P8    commands/s as P1 with the large store's events (--events) vs with the small store's.
The GET loads of P2, P4 and P6 take turns (bench_reads.py): every server is up at once, and
each round gives every side its share of the duration, so that the machine's other work falls
on subject and baseline alike.

How the CPU is shared: nothing is pinned. The load generator is wrk with one thread (`-t1`), so it
takes at most one core and, being C with epoll, a small part of one; the server (and, for
commands, the database: SQLite in the server's process, PostgreSQL's backends) shares the cores
with it under the kernel's scheduler. Subject and baseline of every ratio get the same
generator, connections, duration and server command line, one after the other; the harness
itself only waits while wrk runs. The raw commit loops run in this process while the server is
idle. When `learnloop serve --help` lists `--workers`, servers on PostgreSQL get `--workers
<cores>` (and so does the bare app), unless --workers says otherwise; SQLite gets none.

Prints the environment and a markdown table, and writes them to benchmarks/results/latest.md.
Every server, temporary file and benchmark database is removed before the script exits.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import bench_env
import bench_rows
import report_history
from bench_reads import read_loads
from bench_server import serve_supports_workers
from bench_stores import open_store
from bench_targets import Plan, command_load, prepare
from bench_wrk import ensure_wrk

TARGETS = ("P1", "P2", "P3", "P4", "P5", "P6", "P8")
RESULTS = Path(__file__).resolve().parent / "results" / "latest.md"


def plan_for(args: argparse.Namespace) -> Plan:
    if args.quick:
        return Plan(10_000, args.events or 100_000, 3.0, 1.0, 2.0, 200, rounds=3)
    return Plan(10_000, args.events or 1_000_000, 10.0, 3.0, 5.0, 1000)


def workers_for(kind: str, asked: int | None) -> int | None:
    if not serve_supports_workers() or asked == 0:
        return None
    if asked is not None:
        return asked
    import os

    return os.cpu_count() if kind == "postgres" else None


def bench(kind: str, plan: Plan, only: set[str], tmp: Path, args: argparse.Namespace) -> list:
    rows: list[bench_rows.Row] = []
    workers = workers_for(kind, args.workers)
    commands = only & {"P1", "P8"}
    reads = only & {"P2", "P4", "P6"}
    with ExitStack() as stack:
        small = large = None
        if reads or commands:
            store = stack.enter_context(open_store(kind, tmp, "small", args.postgres_url))
            bench_env.note(kind, store.note)
            small = prepare(store, tmp, "small", plan.small, timed=False)
        if only & {"P3", "P4", "P6", "P8"}:
            store = stack.enter_context(open_store(kind, tmp, "large", args.postgres_url))
            large = prepare(store, tmp, "large", plan.large, timed="P3" in only)
            if "P3" in only:
                rows += bench_rows.p3(kind, plan.large, large)
        if reads:
            assert small is not None
            found = read_loads(
                small, large if only & {"P4", "P6"} else None, "P2" in only, tmp, plan, workers
            )
            bench_env.note(f"{kind} server", f"{found.small.loop_http}, workers={workers}")
            if found.bare is not None:
                bench_env.note(f"{kind} uvicorn.run options (from serve)", found.bare.options)
                rows += bench_rows.p2(kind, found.small.item_many, found.bare)
            if found.large is not None:
                if "P4" in only:
                    rows += bench_rows.p4(kind, plan, found.small, found.large)
                if "P6" in only:
                    rows += bench_rows.p6(kind, plan, found.small, found.large)
        if commands:
            assert small is not None
            on_small = command_load(small, tmp, plan, workers, bare="P1" in only)
            if "P1" in only:
                rows += bench_rows.commands(kind, on_small, workers)
            if "P8" in only:
                assert large is not None
                on_large = command_load(large, tmp, plan, workers, bare=False)
                rows += bench_rows.p8(kind, plan, on_small, on_large)
    if "P5" in only:
        one = report_history.measure(
            kind, tmp, args.postgres_url, range(2026, 2027), plan.report_items
        )
        ten = report_history.measure(
            kind, tmp, args.postgres_url, range(2017, 2027), plan.report_items
        )
        rows += bench_rows.p5(kind, plan.report_items, one, ten)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", default="sqlite,postgres", help="comma-separated")
    parser.add_argument("--only", default=",".join(TARGETS), help="e.g. P1,P2 (default: all)")
    parser.add_argument("--events", type=int, default=None, help="large store, default 1M")
    parser.add_argument("--quick", action="store_true", help="100k-event large store, 3 s loads")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="`serve --workers N` where supported (default: cores on PostgreSQL)",
    )
    parser.add_argument(
        "--postgres-url",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="an existing database to connect to while creating and dropping bench databases",
    )
    args = parser.parse_args(argv)
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    only = {t.strip().upper() for t in args.only.split(",") if t.strip()}
    if only - set(TARGETS):
        parser.error(f"unknown targets {sorted(only - set(TARGETS))}; expected {TARGETS}")
    plan = plan_for(args)
    if plan.large < plan.small:
        parser.error(f"--events must be at least {plan.small:,}")

    ensure_wrk()
    started = time.perf_counter()
    bench_env.start()
    rows = []
    with tempfile.TemporaryDirectory(prefix="learnloop_bench_") as tmp:
        for kind in stores:
            rows += bench(kind, plan, only, Path(tmp), args)
    command = " ".join(["benchmarks/run.py", *(sys.argv[1:] if argv is None else argv)])
    report = "\n".join(
        [
            f"learnloop benchmark: `{command}`; {time.perf_counter() - started:.0f} s in all",
            "",
            *bench_env.lines(plan),
            "",
            bench_rows.table(rows),
            "",
            *bench_rows.notes(plan),
        ]
    )
    print(report)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
