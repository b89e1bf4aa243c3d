"""The measurements behind issue 7's targets, each a subject beside its same-run baseline.

Every function takes a prepared store or server and returns figures; run.py decides what to run
and prints them as rows. HTTP load is wrk (bench_wrk.py), never Python threads.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
from bench_load import ITEMS, new_action, new_item
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
    small: int  # events in the small store (P4, P6 baseline; P1, P2, P7 run on it)
    large: int  # events in the large store (P3, P4, P6)
    seconds: float  # each measured wrk run
    warmup: float  # untimed wrk run before the measured ones, per server
    raw_seconds: float  # each raw commit loop (run before and after the command load)
    report_items: int  # P5: learning items per reporting year
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


def _say(kind: str, text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} {kind}] {text}", file=sys.stderr, flush=True)


def prepare(store: BenchStore, tmp: Path, label: str, events: int, timed: bool) -> Seeded:
    """Seeds `events` through the aggregates and the real event store (hash chain included),
    then projects them: a timed `Projector.rebuild()` and read-and-decode when `timed` (P3),
    else an untimed catch-up. Writes the item ids, one a line, for the wrk scripts."""
    ll = bootstrap(Settings(database_url=store.url))
    try:
        started = time.perf_counter()
        ids = seed(ll, events)
        _say(
            store.kind,
            f"{label}: seeded {recorded(ll):,} events in {time.perf_counter() - started:.0f} s",
        )
        rebuild = decode = None
        if timed:
            rebuild = time_rebuild(ll)
            decode = time_decode(ll)
            _say(
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


@dataclass(frozen=True)
class Gets:
    item: Load  # one connection (P4)
    history: Load  # one connection (P4)
    item_many: Load  # Plan.get_clients connections (P2)
    rss_mib: float  # server's VmHWM after all three (P6)
    started_rss_mib: float  # its VmHWM once healthy, before any load
    loop_http: str


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def get_load(seeded: Seeded, tmp: Path, label: str, plan: Plan, workers: int | None) -> Gets:
    """The same GET load on any store: warm-up, GET item and GET history at one connection,
    GET item at `get_clients`; then the server's peak RSS."""
    headers, ids = auth(seeded.token), str(seeded.ids_file)
    kind = seeded.store.kind
    with Server(seeded.store.url, tmp, f"{kind}-{label}-get", workers) as server:
        url = server.base_url
        started_rss = server.peak_rss_mib()
        for suffix in ("item", "history"):
            wrk(url, "get", [ids, suffix, "1"], 4, plan.warmup, headers)
        item = wrk(url, "get", [ids, "item", "2"], 1, plan.seconds, headers)
        history = wrk(url, "get", [ids, "history", "3"], 1, plan.seconds, headers)
        many = wrk(url, "get", [ids, "item", "4"], plan.get_clients, plan.seconds, headers)
        _say(
            kind,
            f"{label}: GET item {item.per_s:,.0f}/s, history {history.per_s:,.0f}/s, "
            f"item x{plan.get_clients} {many.per_s:,.0f}/s",
        )
        rss = server.peak_rss_mib()
        return Gets(item, history, many, rss, started_rss, server.loop_and_http())


def sample_item(seeded: Seeded, tmp: Path, workers: int | None) -> Path:
    """One real GET item response body, for the bare app to answer with."""
    first = seeded.ids_file.read_text().split()[0]
    with Server(seeded.store.url, tmp, f"{seeded.store.kind}-sample", workers) as server:
        response = httpx.get(
            f"{server.base_url}{ITEMS}/{first}", headers=auth(seeded.token), timeout=30
        )
        response.raise_for_status()
    path = tmp / f"sample-{seeded.store.kind}.json"
    path.write_text(response.text)
    return path


@dataclass(frozen=True)
class Bare:
    load: Load
    options: str  # what `learnloop serve` passed to uvicorn.run
    sample_bytes: int


def bare_load(seeded: Seeded, tmp: Path, plan: Plan, workers: int | None) -> Bare:
    """P2's baseline: the bare app, same command line, same wrk script and connections."""
    sample = sample_item(seeded, tmp, workers)
    options = tmp / f"uvicorn-options-{seeded.store.kind}.json"
    program = [sys.executable, str(BARE_APP)]
    env = {"BARE_SAMPLE": str(sample), "BARE_UVICORN_OPTIONS": str(options)}
    headers, ids = auth(seeded.token), str(seeded.ids_file)
    with Server(
        seeded.store.url, tmp, f"{seeded.store.kind}-bare", workers, program, env
    ) as server:
        health = httpx.get(f"{server.base_url}/healthz", timeout=10).json()
        if not health.get("bare"):
            raise RuntimeError(
                "bare_app.py's shim did not take: `serve` no longer uses uvicorn.run"
            )
        wrk(server.base_url, "get", [ids, "item", "1"], 4, plan.warmup, headers)
        load = wrk(
            server.base_url, "get", [ids, "item", "4"], plan.get_clients, plan.seconds, headers
        )
    _say(seeded.store.kind, f"bare endpoint x{plan.get_clients} {load.per_s:,.0f}/s")
    return Bare(load, options.read_text(), len(sample.read_bytes()))


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
            _say(
                kind,
                f"raw {raw[-1]:,.0f}/s; commands x{clients}: {loads[clients].per_s:,.0f}/s, "
                f"{loads[clients].describe()}",
            )
        raw.append(seeded.store.raw_commits(10**9, plan.raw_seconds))
    _say(kind, f"raw commits/s: {', '.join(f'{r:,.0f}' for r in raw)}")
    return Commands(loads, raw)
