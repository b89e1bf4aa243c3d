"""Fault proof (b): W writers x C commands on shared items, through the HTTP API in process.

Every command must answer 2xx, or 409/412 (a conflict the client can see), and the events stored
must be exactly the acknowledged ones: one event per 2xx command, none for a refusal.

    .venv/bin/python benchmarks/concurrent_writers.py [--writers 10] [--commands 100]
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import closing
from pathlib import Path

import psycopg
import structlog
from fastapi.testclient import TestClient

from adapters.bootstrap import bootstrap
from adapters.http.app import create_app
from adapters.settings import Settings

ITEMS = "/api/v1/learning-items"
ITEM = {
    "subgroup": "serious-case-review",
    "title": "Shared item",
    "description": "",
    "source": {"kind": "local_serious_case_review"},
}
ACTION = {
    "means": "implementation_of_recommendations",
    "description": "d",
    "owner": "o",
    "due": "2030-01-31",
}


def drill(database_url: str, writers: int, commands: int, seed: int = 7) -> dict[str, int]:
    settings = Settings(database_url=database_url)
    ll = bootstrap(settings)
    token = ll.users.add("Writer", "business_manager", [], set()).token
    headers = {"Authorization": f"Bearer {token}"}
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    try:
        with TestClient(create_app(settings, learnloop=ll, run_scheduler=False)) as client:
            ids = [client.post(ITEMS, json=ITEM, headers=headers).json()["id"] for _ in range(5)]
            before = ll.log.recorder.max_notification_id() or 0

            def write(n: int) -> None:
                rng = random.Random(seed * 1000 + n)
                for _ in range(commands):
                    item = rng.choice(ids)
                    extra = {}
                    if rng.random() < 0.5:  # half the writers say which version they saw
                        etag = client.get(f"{ITEMS}/{item}", headers=headers).headers["etag"]
                        extra = {"If-Match": etag}
                    answer = client.post(
                        f"{ITEMS}/{item}/actions", json=ACTION, headers={**headers, **extra}
                    )
                    with lock:
                        statuses[answer.status_code] += 1

            threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            acknowledged = sum(n for status, n in statuses.items() if 200 <= status < 300)
            stored = len([e for e in _events(client, headers, before)])
    finally:
        ll.close()
    return {
        "commands": writers * commands,
        "acknowledged": acknowledged,
        "conflicts": statuses[409] + statuses[412],
        "other": sum(n for s, n in statuses.items() if not (200 <= s < 300 or s in (409, 412))),
        "events_stored": stored,
    }


def _events(client: TestClient, headers: dict[str, str], after: int) -> list[dict]:
    events, cursor = [], after
    while True:
        page = client.get(f"/api/v1/audit-trail?after={cursor}&limit=1000", headers=headers).json()
        if not page["events"]:
            return events
        events += page["events"]
        cursor = page["next_after"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writers", type=int, default=10)
    parser.add_argument("--commands", type=int, default=100)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args(argv)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(
            ("sqlite", drill(f"sqlite:///{Path(tmp) / 'w.db'}", args.writers, args.commands))
        )
    name = f"learnloop_writers_{uuid.uuid4().hex[:8]}"
    with closing(psycopg.connect(args.postgres_url, autocommit=True)) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = args.postgres_url.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)
            rows.append(("postgres", drill(f"{url[0]}/{name}", args.writers, args.commands)))
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print("| store | writers x commands | acknowledged (2xx) | 409/412 | other | events stored |")
    print("|---|---:|---:|---:|---:|---:|")
    failed = False
    for store, r in rows:
        print(
            f"| {store} | {args.writers} x {args.commands} | {r['acknowledged']} | "
            f"{r['conflicts']} | {r['other']} | {r['events_stored']} |"
        )
        failed |= r["other"] > 0 or r["events_stored"] != r["acknowledged"]
    return 1 if failed else 0


if __name__ == "__main__":
    started = time.perf_counter()
    code = main()
    print(f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
    sys.exit(code)
