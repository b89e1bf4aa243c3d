"""learnloop end-to-end benchmark: the real server and projector against SQLite and PostgreSQL.

For each store, beside a same-run baseline of the storage itself:
  (a) commands/s and p50/p99 through HTTP (1 and 16 clients) vs a raw insert+commit loop;
  (b) `Projector.rebuild()` events/s over --events vs the library's bare read-and-decode rate;
  (c) GET item and GET history p50/p99 at 1k and at --events stored events;
  (d) the server subprocess's peak RSS (VmHWM) at 1k and at --events.

    .venv/bin/python benchmarks/run.py [--stores sqlite,postgres] [--events 100000] [--quick]

Seeding (straight through the aggregates, many per save) is untimed. Prints a markdown table and
writes benchmarks/results/latest.md. Traffic goes only to 127.0.0.1; every server, temporary
directory and benchmark database is removed before the script exits.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench_load import Latencies, get_latencies, run_commands
from bench_seed import Rate, recorded, seed, time_decode, time_rebuild
from bench_server import Server, create_token
from bench_stores import BenchStore, open_store

from adapters.bootstrap import Learnloop, bootstrap
from adapters.settings import Settings

SMALL_EVENTS = 1_000
RESULTS = Path(__file__).resolve().parent / "results" / "latest.md"


@dataclass(frozen=True)
class Plan:
    events: int
    commands: int
    command_seconds: float
    gets: int
    raw_rows: int
    raw_seconds: float


def _ll(store: BenchStore) -> Learnloop:
    return bootstrap(Settings(database_url=store.url))


def _lat(r: Latencies) -> str:
    errors = f", {r.errors} errors {dict(r.statuses)}" if r.errors else ""
    return f"p50 {r.ms(50):.1f} ms, p99 {r.ms(99):.1f} ms (n={r.ok}{errors})"


def _k(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else f"{n:,}"


def bench(kind: str, plan: Plan, tmp: Path, admin_url: str) -> tuple[list[tuple[str, ...]], str]:
    rows: list[tuple[str, ...]] = []
    small_k, big_k = _k(SMALL_EVENTS), _k(plan.events)
    with open_store(kind, tmp, "small", admin_url) as store:
        note = store.note
        print(f"[{kind}] {note}", file=sys.stderr)
        ll = _ll(store)
        try:
            small_ids = seed(ll, SMALL_EVENTS)
            ll.projector.catch_up()
        finally:
            ll.close()
        token = create_token(store.url)
        print(f"[{kind}] GETs at {small_k}", file=sys.stderr)
        with Server(store.url, tmp, f"{kind}-small-get") as server:
            gets_small = [
                get_latencies(server.base_url, token, small_ids, plan.gets, suffix)
                for suffix in ("", "/history")
            ]
            rss_small = server.peak_rss_mib()
        print(f"[{kind}] commands", file=sys.stderr)
        with Server(store.url, tmp, f"{kind}-small-commands") as server:
            run_commands(server.base_url, token, 1, 8, 10.0)  # warm-up, untimed
            commands = {
                clients: run_commands(
                    server.base_url, token, clients, plan.commands, plan.command_seconds
                )
                for clients in (1, 16)
            }
            rss_commands = server.peak_rss_mib()
        raw = store.raw_commits(plan.raw_rows, plan.raw_seconds)
    for clients, result in commands.items():
        rows.append(
            (
                kind,
                f"(a) HTTP commands, {clients} client{'s' if clients > 1 else ''}",
                f"{result.per_s:,.0f} cmd/s; {_lat(result)}",
                f"raw insert+commit {raw:,.0f} rows/s",
                f"{result.per_s / raw:.3f}",
            )
        )

    with open_store(kind, tmp, "large", admin_url) as store:
        ll = _ll(store)
        try:
            started = time.perf_counter()
            big_ids = seed(ll, plan.events)
            seeded = time.perf_counter() - started
            print(f"[{kind}] seeded {recorded(ll):,} events in {seeded:.1f} s", file=sys.stderr)
            rebuild: Rate = time_rebuild(ll)
            decode: Rate = time_decode(ll)
        finally:
            ll.close()
        token = create_token(store.url)
        print(f"[{kind}] GETs at {big_k}", file=sys.stderr)
        with Server(store.url, tmp, f"{kind}-large-get") as server:
            gets_big = [
                get_latencies(server.base_url, token, big_ids, plan.gets, suffix)
                for suffix in ("", "/history")
            ]
            rss_big = server.peak_rss_mib()
    rows.append(
        (
            kind,
            f"(b) projection rebuild, {big_k} events",
            f"{rebuild.per_s:,.0f} events/s ({rebuild.seconds:.1f} s)",
            f"read+decode {decode.per_s:,.0f} events/s ({decode.seconds:.1f} s)",
            f"{rebuild.per_s / decode.per_s:.3f}",
        )
    )
    for label, small, big in zip(("GET item", "GET history"), gets_small, gets_big, strict=True):
        rows.append((kind, f"(c) {label} at {small_k} events", _lat(small), "", ""))
        rows.append((kind, f"(c) {label} at {big_k} events", _lat(big), "", ""))
    rows.append((kind, f"(d) server peak RSS at {small_k} events", f"{rss_small:.0f} MiB", "", ""))
    rows.append((kind, f"(d) server peak RSS at {big_k} events", f"{rss_big:.0f} MiB", "", ""))
    rows.append((kind, "server peak RSS after (a)", f"{rss_commands:.0f} MiB", "", ""))
    return rows, note


def table(rows: list[tuple[str, ...]]) -> str:
    lines = [
        "| store | measurement | result | same-run baseline | ratio |",
        "|---|---|---|---|---:|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", default="sqlite,postgres", help="comma-separated")
    parser.add_argument("--events", type=int, default=None, help="events for (b)-(d), default 100k")
    parser.add_argument("--quick", action="store_true", help="10k events, fewer requests")
    parser.add_argument(
        "--postgres-url",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="an existing database to connect to while creating and dropping bench databases",
    )
    args = parser.parse_args(argv)
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    if args.quick:
        plan = Plan(args.events or 10_000, 200, 3.0, 50, 300, 2.0)
    else:
        plan = Plan(args.events or 100_000, 2000, 10.0, 300, 2000, 5.0)
    if plan.events < 10:
        parser.error("--events must be at least 10")

    started = time.perf_counter()
    rows: list[tuple[str, ...]] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="learnloop_bench_") as tmp:
        for kind in stores:
            store_rows, note = bench(kind, plan, Path(tmp), args.postgres_url)
            rows += store_rows
            notes.append(f"- {kind}: {note}")
    report = "\n".join(
        [
            f"learnloop benchmark: `{' '.join(['benchmarks/run.py', *(argv or sys.argv[1:])])}`; "
            f"python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}; "
            f"{time.perf_counter() - started:.0f} s in all",
            "",
            table(rows),
            "",
            *notes,
            f"- (a) up to {plan.commands} commands or {plan.command_seconds:.0f} s per client "
            "count (create item, then 3 x POST .../actions on it); "
            "ratio = commands/s / raw rows/s",
            "- (b) ratio = rebuild events/s / read+decode events/s; seeding is not timed",
            f"- (c) {plan.gets} sequential GETs of random seeded items, one keep-alive client",
        ]
    )
    print(report)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
