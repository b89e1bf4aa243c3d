"""Seeded stores, and the write side of the targets: commands beside a bare FastAPI app parsing
the same bodies (P1), on a small and a large store (P8), with raw commits as a reference.

run.py decides what to run and bench_rows.py prints it; the read side is bench_reads.py. HTTP
load is wrk (bench_wrk.py), never Python threads.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from bench_load import new_action, new_item
from bench_seed import Rate, recorded, seed, time_decode, time_rebuild
from bench_server import Server, create_token
from bench_stores import BenchStore
from bench_wrk import Load
from bench_wrk import run as wrk

from adapters.bootstrap import bootstrap
from adapters.settings import Settings

BARE_APP = Path(__file__).resolve().parent / "bare_app.py"


@dataclass(frozen=True)
class Plan:
    small: int  # events in the small store (P4, P6, P8 baseline; P1, P2 run on it)
    large: int  # events in the large store (P3, P4, P6, P8)
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
    bare: dict[int, Load] = field(default_factory=dict)  # the bare app, same loads (P1)

    @property
    def raw_per_s(self) -> float:
        return statistics.median(self.raw_runs)


def command_files(tmp: Path, seeded: Seeded) -> list[str]:
    """commands.lua's first three arguments: the seeded ids and the two request bodies."""
    item_body, action_body = tmp / "new-item.json", tmp / "new-action.json"
    item_body.write_text(json.dumps(new_item("{n}")))
    action_body.write_text(json.dumps(new_action()))
    return [str(seeded.ids_file), str(item_body), str(action_body)]


def command_load(
    seeded: Seeded, tmp: Path, plan: Plan, workers: int | None, bare: bool = True
) -> Commands:
    """Commands through HTTP at each client count (1 create : 3 choose-means on seeded items),
    each followed by the same load on the bare app (`bare`: P1's baseline, served by the same
    `learnloop serve` command line) and preceded by a raw single-row commit loop on the same
    kind of storage (the servers idle), with one more raw loop at the end: the reference row."""
    kind = seeded.store.kind
    files = command_files(tmp, seeded)
    headers = auth(seeded.token)
    loads, raw, bare_loads = {}, [], {}
    with ExitStack() as stack:
        server = stack.enter_context(
            Server(seeded.store.url, tmp, f"{kind}-commands-{seeded.ids}", workers)
        )
        server.wait_idle()
        baseline = None
        if bare:
            program = [sys.executable, str(BARE_APP)]
            baseline = stack.enter_context(
                Server(seeded.store.url, tmp, f"{kind}-bare-commands", workers, program, {})
            )
            baseline.wait_idle()
        tag = uuid.uuid4().hex[:6]
        for target in (server, baseline):
            if target is not None:
                wrk(target.base_url, "commands", [*files, f"{tag}-w"], 4, plan.warmup, headers)
        for clients in plan.command_clients:
            raw.append(seeded.store.raw_commits(10**9, plan.raw_seconds))
            args = [*files, f"{tag}-{clients}"]
            loads[clients] = wrk(server.base_url, "commands", args, clients, plan.seconds, headers)
            note = ""
            if baseline is not None:
                bare_loads[clients] = wrk(
                    baseline.base_url, "commands", args, clients, plan.seconds, headers
                )
                note = f"; bare {bare_loads[clients].per_s:,.0f}/s"
            say(
                kind,
                f"raw {raw[-1]:,.0f}/s; commands x{clients}: {loads[clients].per_s:,.0f}/s, "
                f"{loads[clients].describe()}{note}",
            )
        raw.append(seeded.store.raw_commits(10**9, plan.raw_seconds))
    say(kind, f"raw commits/s: {', '.join(f'{r:,.0f}' for r in raw)}")
    return Commands(loads, raw, bare_loads)
