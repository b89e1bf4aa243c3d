"""Seeded stores, and the write side of issue 7's targets: commands beside raw commits (P1, P7).

run.py decides what to run and bench_rows.py prints it; the read side is bench_reads.py. HTTP
load is wrk (bench_wrk.py), never Python threads.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from bench_load import new_action, new_item
from bench_seed import Rate, recorded, seed, time_decode, time_rebuild
from bench_server import Server, create_token
from bench_stores import BenchStore
from bench_wrk import Load
from bench_wrk import run as wrk

from adapters.bootstrap import bootstrap
from adapters.settings import Settings


@dataclass(frozen=True)
class Plan:
    small: int  # events in the small store (P4, P6 baseline; P1, P2, P7 run on it)
    large: int  # events in the large store (P3, P4, P6)
    seconds: float  # each measured load (GET loads: in `rounds` turns)
    warmup: float  # untimed wrk run before the measured ones, per server
    raw_seconds: float  # each raw commit loop (run before and after the command load)
    report_items: int  # P5: learning items per reporting year
    rounds: int = 5  # GET loads: subject and baseline take turns, seconds / rounds each
    command_clients: tuple[int, ...] = (1, 16, 32)
    get_clients: int = 16  # P2's throughput run; P4's latency runs use one connection


@dataclass(frozen=True)
class Seeded:
    store: BenchStore
    token: str
    ids_file: Path
    ids: int
    rebuild: Rate | None = None  # only when timed (the large store)
    decode: Rate | None = None


def say(kind: str, text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} {kind}] {text}", file=sys.stderr, flush=True)


def prepare(store: BenchStore, tmp: Path, label: str, events: int, timed: bool) -> Seeded:
    """Seeds `events` through the aggregates and the real event store (hash chain included),
    then projects them: a timed `Projector.rebuild()` and read-and-decode when `timed` (P3),
    else an untimed catch-up. Writes the item ids, one a line, for the wrk scripts."""
    ll = bootstrap(Settings(database_url=store.url))
    try:
        started = time.perf_counter()
        ids = seed(ll, events)
        say(
            store.kind,
            f"{label}: seeded {recorded(ll):,} events in {time.perf_counter() - started:.0f} s",
        )
        rebuild = decode = None
        if timed:
            rebuild = time_rebuild(ll)
            decode = time_decode(ll)
            say(
                store.kind,
                f"{label}: rebuild {rebuild.per_s:,.0f} events/s, "
                f"decode {decode.per_s:,.0f} events/s",
            )
        else:
            ll.projector.catch_up()
    finally:
        ll.close()
    ids_file = tmp / f"ids-{store.kind}-{label}.txt"
    ids_file.write_text("\n".join(ids) + "\n")
    return Seeded(store, create_token(store.url), ids_file, len(ids), rebuild, decode)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


@dataclass(frozen=True)
class Commands:
    loads: dict[int, Load]  # by connections
    raw_runs: list[float]  # rows/s of each raw loop, one before each load and one after

    @property
    def raw_per_s(self) -> float:
        return statistics.median(self.raw_runs)


def command_files(tmp: Path, seeded: Seeded) -> list[str]:
    """commands.lua's first three arguments: the seeded ids and the two request bodies."""
    item_body, action_body = tmp / "new-item.json", tmp / "new-action.json"
    item_body.write_text(json.dumps(new_item("{n}")))
    action_body.write_text(json.dumps(new_action()))
    return [str(seeded.ids_file), str(item_body), str(action_body)]


def command_load(seeded: Seeded, tmp: Path, plan: Plan, workers: int | None) -> Commands:
    """Commands through HTTP at each client count (1 create : 3 choose-means on seeded items),
    each right after a raw single-row commit loop on the same kind of storage (the server idle),
    and one more raw loop at the end: the disk is shared, so the baseline is their median."""
    kind = seeded.store.kind
    files = command_files(tmp, seeded)
    headers = auth(seeded.token)
    loads, raw = {}, []
    with Server(seeded.store.url, tmp, f"{kind}-commands", workers) as server:
        server.wait_idle()
        tag = uuid.uuid4().hex[:6]
        wrk(server.base_url, "commands", [*files, f"{tag}-w"], 4, plan.warmup, headers)
        for clients in plan.command_clients:
            raw.append(seeded.store.raw_commits(10**9, plan.raw_seconds))
            loads[clients] = wrk(
                server.base_url,
                "commands",
                [*files, f"{tag}-{clients}"],
                clients,
                plan.seconds,
                headers,
            )
            say(
                kind,
                f"raw {raw[-1]:,.0f}/s; commands x{clients}: {loads[clients].per_s:,.0f}/s, "
                f"{loads[clients].describe()}",
            )
        raw.append(seeded.store.raw_commits(10**9, plan.raw_seconds))
    say(kind, f"raw commits/s: {', '.join(f'{r:,.0f}' for r in raw)}")
    return Commands(loads, raw)
