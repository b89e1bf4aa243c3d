"""The read side of issue 7's targets: GET loads on a small and a large store (P4, P6) and on
the bare app (P2), taking turns so that every side sees the same background noise.

All servers are up at once, each idle once started. Each round runs every side's loads for
seconds / rounds, the sides' order reversed every other round; each side's rounds are then
merged into one figure (bench_wrk.merge).
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
from bench_load import ITEMS
from bench_server import Server
from bench_targets import Plan, Seeded, auth, say
from bench_wrk import Load, merge
from bench_wrk import run as wrk

BARE_APP = Path(__file__).resolve().parent / "bare_app.py"


@dataclass(frozen=True)
class Gets:
    item: Load  # one connection (P4)
    history: Load  # one connection (P4)
    item_many: Load  # Plan.get_clients connections (P2 on the small store)
    rss_mib: float  # the server's VmHWM after all of them (P6)
    started_rss_mib: float  # its VmHWM once started and idle, before any load
    settle_s: float  # how long after start it went idle
    loop_http: str


@dataclass(frozen=True)
class Bare:
    load: Load
    options: str  # what `learnloop serve` passed to uvicorn.run
    sample_bytes: int


@dataclass(frozen=True)
class Reads:
    small: Gets
    large: Gets | None
    bare: Bare | None


def _sample(server: Server, seeded: Seeded, tmp: Path) -> Path:
    """One real GET item response body, for the bare app to answer with."""
    first = seeded.ids_file.read_text().split()[0]
    response = httpx.get(f"{server.base_url}{ITEMS}/{first}", headers=auth(seeded.token))
    response.raise_for_status()
    path = tmp / f"sample-{seeded.store.kind}.json"
    path.write_text(response.text)
    return path


def _start(stack: ExitStack, server: Server, kind: str, label: str) -> tuple[float, float]:
    stack.enter_context(server)
    settled = server.wait_idle()
    rss = server.peak_rss_mib()
    say(kind, f"{label} server: idle {settled:.0f} s after start, {rss:.0f} MiB")
    return settled, rss


def read_loads(
    small: Seeded, large: Seeded | None, p2: bool, tmp: Path, plan: Plan, workers: int | None
) -> Reads:
    kind = small.store.kind
    headers = {"small": auth(small.token), "bare": auth(small.token)}  # each store has its users
    with ExitStack() as stack:
        servers = {"small": Server(small.store.url, tmp, f"{kind}-small-get", workers)}
        ids = {"small": str(small.ids_file)}
        if large is not None:
            servers["large"] = Server(large.store.url, tmp, f"{kind}-large-get", workers)
            ids["large"] = str(large.ids_file)
            headers["large"] = auth(large.token)
        started = {label: _start(stack, server, kind, label) for label, server in servers.items()}
        bare = options = sample = None
        if p2:
            sample = _sample(servers["small"], small, tmp)
            options = tmp / f"uvicorn-options-{kind}.json"
            env = {"BARE_SAMPLE": str(sample), "BARE_UVICORN_OPTIONS": str(options)}
            program = [sys.executable, str(BARE_APP)]
            bare = Server(small.store.url, tmp, f"{kind}-bare", workers, program, env)
            _start(stack, bare, kind, "bare")
            if not httpx.get(f"{bare.base_url}/healthz", timeout=10).json().get("bare"):
                raise RuntimeError("bare_app.py's shim did not take: is uvicorn.run still used?")

        # (side, what, wrk args, connections): the loads each round runs, in turn
        loads = []
        for label in servers:
            loads += [(label, s, [ids[label], s, "1"], 1) for s in ("item", "history")]
        # GET item at get_clients: P2 on the small store against the bare app; the large store
        # gets it too, so that P6 compares servers that took the same load
        loads += [(side, "many", [ids[side], "item", "2"], plan.get_clients) for side in servers]
        if p2:
            loads += [("bare", "many", [ids["small"], "item", "2"], plan.get_clients)]
        urls = {label: server.base_url for label, server in servers.items()}
        if bare is not None:
            urls["bare"] = bare.base_url
        for side, _what, args, connections in loads:  # warm-up, untimed
            wrk(urls[side], "get", args, connections, plan.warmup, headers[side])
        runs: dict[tuple[str, str], list[Load]] = {}
        each = plan.seconds / plan.rounds
        for turn in range(plan.rounds):
            for side, what, args, connections in loads if turn % 2 == 0 else loads[::-1]:
                run = wrk(
                    urls[side], "get", [*args[:2], str(turn)], connections, each, headers[side]
                )
                runs.setdefault((side, what), []).append(run)
        merged = {key: merge(found) for key, found in runs.items()}

        def gets(label: str) -> Gets:
            server = servers[label]
            return Gets(
                merged[(label, "item")],
                merged[(label, "history")],
                merged[(label, "many")],
                server.peak_rss_mib(),
                started[label][1],
                started[label][0],
                server.loop_and_http(),
            )

        result = Reads(
            gets("small"),
            gets("large") if large is not None else None,
            Bare(merged[("bare", "many")], options.read_text(), len(sample.read_bytes()))
            if p2 and options is not None and sample is not None
            else None,
        )
    for (side, what), load in merged.items():
        say(kind, f"{side} GET {what}: {load.per_s:,.0f}/s, {load.describe()}")
    return result
