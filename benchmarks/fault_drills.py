"""Fault drill: kill -9 the real server at random points under write load, then check the store.

For each store (an SQLite file, a fresh PostgreSQL database) this repeats a short cycle:

  1. `learnloop serve` is running on the store (started, or restarted after the last kill);
  2. a few client threads issue commands (create an item, choose means = add an action, report
     progress on an action) and record each ACKNOWLEDGED answer (2xx: the ids and the item
     version from its `ETag`);
  3. after a random short delay the server gets SIGKILL, mid-traffic;
  4. the server is restarted on the same store, and then:
     - every acknowledged command is present: its item answers with at least the acknowledged
       version, its action id is on the item, and the history event at the acknowledged version
       is that command's event;
     - no command is half-recorded: each touched item's history is versions 1..N with no gap,
       N is the item's version, every action on the item has its MeansChosen event, every
       ProgressReported names an action chosen before it; in the store itself every stream's
       versions are 1..N and the hash chain verifies;
     - the read models equal a rebuild: every view table (and the tracking positions) as the
       restarted server left them equals a copy rebuilt from the event log by a fresh projector
       into a scratch database of the same kind.

The restart of step 4 is the next cycle's step 1, so each kill costs one server start.
Prints a table and exits non-zero if any check failed. Loopback traffic only.

    .venv/bin/python benchmarks/fault_drills.py [--kills 200] [--stores sqlite,postgres] [--seed N]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa
from bench_server import HOST, _env, create_token, free_port, learnloop_command
from sqlalchemy.engine import make_url
from store_options import postgres_database

from adapters.bank_holidays import england_and_wales
from adapters.bootstrap import Learnloop, bootstrap
from adapters.persistence.database import open_store
from adapters.persistence.integrity import verify as verify_chain
from adapters.settings import Settings
from projections import schema
from projections.projector import Projector
from projections.registry import default_views

SUBGROUP = "serious-case-review"
SOURCE = "local_serious_case_review"
MEANS = "implementation_of_recommendations"
ITEMS = "/api/v1/learning-items"
CLIENTS = 3
KILL_DELAY_S = (0.05, 0.7)  # SIGKILL this long after the clients start
START_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 10.0
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


# --- the server ---------------------------------------------------------------------------


class Server:
    """One `learnloop serve` process on a fresh free port; `kill()` is SIGKILL, no clean-up."""

    def __init__(self, database_url: str, log_path: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.log_path = log_path
        command = [learnloop_command(), "serve", "--host", HOST, "--port", str(self.port)]
        command += ["--database-url", database_url]
        with log_path.open("ab") as log:
            self.proc: subprocess.Popen[bytes] | None = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=_env()
            )
        try:
            self._wait_healthy()
        except BaseException:
            self.kill()
            raise

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        with httpx.Client(timeout=1.0) as http:
            while time.monotonic() < deadline:
                assert self.proc is not None
                if self.proc.poll() is not None:
                    tail = self.log_path.read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"server exited with {self.proc.returncode}: {tail}")
                try:
                    if http.get(f"{self.base_url}/healthz").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.03)
        raise RuntimeError(f"server not healthy within {START_TIMEOUT_S:.0f} s")

    def kill(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


# --- the load -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ack:
    """One acknowledged command: what it did, to which item, and the version it reported."""

    kind: str  # "item" | "action" | "progress"
    item_id: str
    version: int
    action_id: str | None = None


@dataclass
class Pool:
    """Items and actions known from acknowledged answers, shared by the client threads."""

    actions: dict[str, list[str]] = field(default_factory=dict)  # item id -> action ids
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ack: Ack) -> None:
        with self.lock:
            actions = self.actions.setdefault(ack.item_id, [])
            if ack.kind == "action" and ack.action_id:
                actions.append(ack.action_id)

    def pick(self, rng: random.Random) -> tuple[str | None, str | None]:
        with self.lock:
            if not self.actions:
                return None, None
            item_id = rng.choice(list(self.actions))
            actions = self.actions[item_id]
            return item_id, (rng.choice(actions) if actions else None)


def _version(response: httpx.Response) -> int:
    return int(response.headers["ETag"].strip('W/"'))


def _client_loop(base_url: str, token: str, pool: Pool, seed: int, acks: list[Ack]) -> None:
    """Issues commands until the server goes away; appends each acknowledged one to `acks`."""
    rng = random.Random(seed)
    due = (date.today() + timedelta(days=365)).isoformat()
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=REQUEST_TIMEOUT_S) as http:
        while True:
            item_id, action_id = pool.pick(rng)
            roll = rng.random()
            ack: Ack | None = None
            try:
                if item_id is None or roll < 0.25:
                    n = rng.randrange(10**9)
                    body = {
                        "subgroup": SUBGROUP,
                        "title": f"Fault drill learning {n}",
                        "description": "Referral was not followed up after a concern.",
                        "source": {"kind": SOURCE, "reference": f"DRILL-{n}"},
                    }
                    r = http.post(ITEMS, json=body)
                    if r.status_code == 201:
                        ack = Ack("item", r.json()["id"], _version(r))
                elif action_id is None or roll < 0.6:
                    body = {"means": MEANS, "description": "Briefing", "owner": "LSCP", "due": due}
                    r = http.post(f"{ITEMS}/{item_id}/actions", json=body)
                    if r.status_code == 201:
                        ack = Ack("action", item_id, _version(r), r.json()["id"])
                else:
                    status = rng.choice(["on_track", "at_risk", "off_track"])
                    body = {"status": status, "note": "checked"}
                    r = http.post(f"{ITEMS}/{item_id}/actions/{action_id}/updates", json=body)
                    if r.status_code == 201:
                        ack = Ack("progress", item_id, _version(r), action_id)
            except httpx.TransportError:
                return  # the server was killed: whatever was in flight is unacknowledged
            if ack is None:
                # not acknowledged (nor 2xx), so it may or may not be recorded: never half
                continue
            acks.append(ack)
            pool.add(ack)


def run_load_and_kill(server: Server, token: str, pool: Pool, rng: random.Random) -> list[Ack]:
    acks: list[Ack] = []
    threads = [
        threading.Thread(
            target=_client_loop,
            args=(server.base_url, token, pool, rng.randrange(2**32), acks),
            daemon=True,
        )
        for _ in range(CLIENTS)
    ]
    for t in threads:
        t.start()
    time.sleep(rng.uniform(*KILL_DELAY_S))
    server.kill()
    for t in threads:
        t.join(timeout=REQUEST_TIMEOUT_S + 5)
        if t.is_alive():
            raise RuntimeError("a client thread did not stop after the kill")
    return acks


# --- the checks ---------------------------------------------------------------------------


@dataclass
class Tally:
    store: str
    kills: int = 0
    acknowledged: int = 0
    verified: int = 0
    missing: int = 0
    half_recorded: int = 0
    chain_faults: int = 0
    view_mismatches: int = 0
    events: int = 0
    problems: list[str] = field(default_factory=list)

    def note(self, problem: str) -> None:
        if len(self.problems) < 20:
            self.problems.append(problem)

    @property
    def failures(self) -> int:
        return self.missing + self.half_recorded + self.chain_faults + self.view_mismatches


def check_acks(base_url: str, token: str, acks: list[Ack], tally: Tally) -> None:
    """Over HTTP: each acknowledged command is present, each touched item is whole."""
    by_item: dict[str, list[Ack]] = {}
    for ack in acks:
        by_item.setdefault(ack.item_id, []).append(ack)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30.0) as http:
        for item_id, item_acks in by_item.items():
            r = http.get(f"{ITEMS}/{item_id}")
            if r.status_code != 200:
                tally.missing += len(item_acks)
                tally.note(f"item {item_id}: GET answered {r.status_code} after restart")
                continue
            item = r.json()
            events = http.get(f"{ITEMS}/{item_id}/history").raise_for_status().json()["events"]
            _check_whole(item_id, item, events, tally)
            action_ids = {a["id"] for a in item["actions"]}
            short = _progress_shortfall(item_acks, events)
            if short:
                tally.missing += short
                tally.note(f"item {item_id}: {short} acknowledged progress reports not recorded")
            for ack in item_acks:
                if _present(ack, item, action_ids, events):
                    tally.verified += 1
                else:
                    tally.missing += 1
                    tally.note(f"acknowledged {ack} is not recorded (item v{item['version']})")


def _present(ack: Ack, item: dict, action_ids: set[str], events: list[dict]) -> bool:
    """The answer's ETag is the item's version after the command, which concurrent commands on
    the same item may have moved on: so the command's own event is at or below it."""
    if item["version"] < ack.version or len(events) < ack.version:
        return False
    if ack.kind == "item":
        return events[0]["type"] == "Identified"
    wanted = "MeansChosen" if ack.kind == "action" else "ProgressReported"
    if ack.kind == "action" and ack.action_id not in action_ids:
        return False
    return any(
        e["type"] == wanted and (e.get("data") or {}).get("action_id") == ack.action_id
        for e in events[: ack.version]
    )


def _progress_shortfall(acks: list[Ack], events: list[dict]) -> int:
    """Each acknowledged progress report has its own event: as many per action as acknowledged."""
    acked: dict[str | None, int] = {}
    for ack in acks:
        if ack.kind == "progress":
            acked[ack.action_id] = acked.get(ack.action_id, 0) + 1
    recorded: dict[str | None, int] = {}
    for e in events:
        if e["type"] == "ProgressReported":
            action_id = (e.get("data") or {}).get("action_id")
            recorded[action_id] = recorded.get(action_id, 0) + 1
    return sum(max(0, n - recorded.get(a, 0)) for a, n in acked.items())


def _check_whole(item_id: str, item: dict, events: list[dict], tally: Tally) -> None:
    versions = [e["version"] for e in events]
    chosen: set[str] = set()
    faults: list[str] = []
    if versions != list(range(1, len(events) + 1)):
        faults.append(f"history versions {versions} are not 1..N")
    if len(events) != item["version"]:
        faults.append(f"history has {len(events)} events but the item is v{item['version']}")
    if not events or events[0]["type"] != "Identified":
        faults.append("history does not start with Identified")
    for event in events:
        data = event.get("data") or {}
        if event["type"] == "MeansChosen":
            chosen.add(data.get("action_id"))
        elif event["type"] == "ProgressReported" and data.get("action_id") not in chosen:
            faults.append(f"v{event['version']} reports progress on an action never chosen")
    orphans = {a["id"] for a in item["actions"]} - chosen
    if orphans:
        faults.append(f"actions {sorted(orphans)} have no MeansChosen event")
    if faults:
        tally.half_recorded += 1
        tally.note(f"item {item_id}: " + "; ".join(faults))


def check_store(ll: Learnloop, tally: Tally) -> None:
    """In the store itself: every stream's versions are 1..N, and the hash chain verifies."""
    streams: dict[object, list[int]] = {}
    start, total = 0, 0
    while True:
        page = ll.log.recorder.select_notifications(
            start=start, limit=1000, inclusive_of_start=False
        )
        if not page:
            break
        for n in page:
            streams.setdefault(n.originator_id, []).append(n.originator_version)
        total += len(page)
        start = page[-1].id
    tally.events = total
    for stream_id, versions in streams.items():
        if sorted(versions) != list(range(1, len(versions) + 1)):
            tally.half_recorded += 1
            tally.note(f"stream {stream_id}: versions {sorted(versions)[:10]}... are not 1..N")
    verdict = verify_chain(ll.log.recorder)
    if verdict.fault is not None:
        tally.chain_faults += 1
        tally.note(f"hash chain broken at {verdict.fault.position}: {verdict.fault.reason}")


def _dump(engine: sa.Engine) -> dict[str, list[tuple[str, ...]]]:
    tables = [t for t in schema.metadata.sorted_tables if t is not schema.schema_version]
    with engine.connect() as conn:
        return {
            t.name: sorted(tuple(repr(v) for v in row) for row in conn.execute(sa.select(t)))
            for t in tables
        }


def _head(ll: Learnloop) -> int:
    return ll.log.recorder.max_notification_id() or 0


def check_views(ll: Learnloop, copy: Projector, tally: Tally) -> None:
    """The restarted server's read models equal a fresh rebuild from the same log."""
    for _ in range(5):  # a background job of the server could record while we look: retry
        head = _head(ll)
        live = _dump(ll.store.engine)
        copy.rebuild()
        rebuilt = _dump(copy.engine)
        if _head(ll) == head:
            break
    differing = [name for name in live if live[name] != rebuilt.get(name)]
    if differing:
        tally.view_mismatches += 1
        tally.note(f"views differ from a rebuild at log position {head}: {differing}")


# --- the drill ----------------------------------------------------------------------------


@contextmanager
def _stores(kind: str, tmp: Path, postgres_url: str) -> Iterator[tuple[str, str]]:
    """(the store's URL, a scratch URL of the same kind for the rebuilt copy of the views)."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'drill.db'}", f"sqlite:///{tmp / 'rebuilt-views.db'}"
    elif kind == "postgres":
        admin = make_url(postgres_url)
        with postgres_database(admin) as store, postgres_database(admin) as scratch:
            render = {"drivername": "postgresql+psycopg"}
            yield (
                store.set(**render).render_as_string(hide_password=False),
                scratch.set(**render).render_as_string(hide_password=False),
            )
    else:
        raise ValueError(f"unknown store {kind!r}; expected sqlite or postgres")


def drill_store(kind: str, kills: int, rng: random.Random, postgres_url: str) -> Tally:
    tally = Tally(kind)
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"drill-{kind}-")))
        url, scratch_url = stack.enter_context(_stores(kind, tmp, postgres_url))
        token = create_token(url, "fault drill contributor")
        ll = bootstrap(Settings(database_url=url))
        stack.callback(ll.close)
        scratch = open_store(scratch_url)
        stack.callback(scratch.dispose)
        copy = Projector(
            scratch.write_engine,
            ll.log.recorder,
            ll.log.mapper.to_domain_event,
            default_views(ll.framework, england_and_wales()),
        )
        log_path = tmp / "server.log"
        server = Server(url, log_path)
        stack.callback(lambda: server.kill())
        pool = Pool()
        for cycle in range(1, kills + 1):
            acks = run_load_and_kill(server, token, pool, rng)
            tally.kills += 1
            tally.acknowledged += len(acks)
            server = Server(url, log_path)  # the restart: its start-up catches the views up
            check_acks(server.base_url, token, acks, tally)
            check_store(ll, tally)
            check_views(ll, copy, tally)
            if cycle % 10 == 0 or cycle == kills:
                print(
                    f"  {kind}: {cycle}/{kills} kills, {tally.acknowledged} acknowledged, "
                    f"{tally.events} events, {tally.failures} failures",
                    flush=True,
                )
    return tally


def print_table(tallies: list[Tally]) -> None:
    head = (
        "store",
        "kills",
        "acknowledged",
        "verified present",
        "missing",
        "half-recorded",
        "chain faults",
        "view mismatches",
        "events in log",
    )
    rows = [head] + [
        (
            t.store,
            *map(str, (t.kills, t.acknowledged, t.verified, t.missing, t.half_recorded)),
            *map(str, (t.chain_faults, t.view_mismatches, t.events)),
        )
        for t in tallies
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    for n, row in enumerate(rows):
        print(
            " | ".join(
                c.rjust(w) if i else c.ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            print("-+-".join("-" * w for w in widths))


def main(argv: list[str] | None = None) -> int:
    """Runs the drill; returns the number of failed checks (0 when every check passed)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=200, help="in total, spread over the stores")
    parser.add_argument("--stores", default="sqlite,postgres", help="comma-separated")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    args = parser.parse_args(argv)
    kinds = [s.strip() for s in args.stores.split(",") if s.strip()]
    seed = args.seed if args.seed is not None else random.randrange(2**31)
    rng = random.Random(seed)
    shares = [args.kills // len(kinds) + (i < args.kills % len(kinds)) for i in range(len(kinds))]
    print(f"fault drill: {args.kills} SIGKILLs over {', '.join(kinds)}, seed {seed}", flush=True)
    started = time.monotonic()
    tallies = [
        drill_store(k, n, rng, args.postgres_url) for k, n in zip(kinds, shares, strict=True)
    ]
    elapsed = time.monotonic() - started
    print()
    print_table(tallies)
    print(
        f"\nwall time {elapsed:.0f} s; {CLIENTS} client threads; kill after "
        f"{KILL_DELAY_S[0]}-{KILL_DELAY_S[1]} s of load"
    )
    failures = sum(t.failures for t in tallies)
    for t in tallies:
        for problem in t.problems:
            print(f"FAIL {t.store}: {problem}")
    print(
        "PASS: no acknowledged command lost, none half-recorded, views equal a rebuild"
        if failures == 0
        else f"FAIL: {failures} failed checks"
    )
    return failures


if __name__ == "__main__":
    sys.exit(1 if main() else 0)
