"""HTTP traffic against the server subprocess: concurrent commands, and sequential GETs.

Each client is a thread with its own keep-alive `httpx.Client`. A command client creates an item,
then chooses means (POST .../actions) on it ACTIONS_PER_ITEM times, then creates the next one.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import httpx

SUBGROUP = "serious-case-review"
SOURCE = "local_serious_case_review"
MEANS = "implementation_of_recommendations"
ACTIONS_PER_ITEM = 3
ITEMS = "/api/v1/learning-items"


@dataclass
class Latencies:
    seconds: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    elapsed: float = 0.0

    @property
    def ok(self) -> int:
        return len(self.seconds)

    @property
    def per_s(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def ms(self, pct: int) -> float:
        if len(self.seconds) < 2:
            return self.seconds[0] * 1e3 if self.seconds else float("nan")
        return statistics.quantiles(self.seconds, n=100, method="inclusive")[pct - 1] * 1e3

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status not in (200, 201))


def _client(base_url: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60.0
    )


def _new_item(n: int) -> dict[str, object]:
    return {
        "subgroup": SUBGROUP,
        "title": f"Benchmark learning {n}",
        "description": "Referral was not followed up when the school raised a concern.",
        "source": {"kind": SOURCE, "reference": f"BENCH-{n}"},
        "themes": ["information sharing"],
    }


def _new_action() -> dict[str, object]:
    due = (date.today() + timedelta(days=60)).isoformat()
    return {"means": MEANS, "description": "Multi-agency briefing", "owner": "LSCP", "due": due}


def run_commands(base_url: str, token: str, clients: int, total: int, seconds: float) -> Latencies:
    """`clients` threads share a budget of `total` commands; all stop after `seconds` anyway."""
    result = Latencies()
    lock = threading.Lock()
    budget = [total]
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def take() -> bool:
        with lock:
            if budget[0] <= 0 or time.perf_counter() > deadline[0]:
                return False
            budget[0] -= 1
            return True

    def client(k: int) -> None:
        with _client(base_url, token) as http:
            item, actions, n = None, 0, 0
            start.wait()
            while take():
                if item is None or actions >= ACTIONS_PER_ITEM:
                    url, body = ITEMS, _new_item(k * 1_000_000 + n)
                else:
                    url, body = f"{ITEMS}/{item}/actions", _new_action()
                t0 = time.perf_counter()
                response = http.post(url, json=body)
                took = time.perf_counter() - t0
                n += 1
                with lock:
                    result.statuses[response.status_code] += 1
                    if response.status_code == 201:
                        result.seconds.append(took)
                if response.status_code != 201:
                    item = None
                elif url == ITEMS:
                    item, actions = response.json()["id"], 0
                else:
                    actions += 1

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds + 60.0  # until every client is ready
    start.wait(timeout=60)
    started = time.perf_counter()
    deadline[0] = started + seconds
    for thread in threads:
        thread.join(timeout=seconds + 120)
    result.elapsed = time.perf_counter() - started
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError("a command client did not finish")
    return result


def get_latencies(base_url: str, token: str, ids: list[str], n: int, suffix: str) -> Latencies:
    """`n` sequential GETs of random seeded items (`suffix` "" or "/history"), after a warm-up."""
    rng = random.Random(20240401)
    result = Latencies()
    with _client(base_url, token) as http:
        for item_id in ids[:10]:
            http.get(f"{ITEMS}/{item_id}{suffix}").raise_for_status()
        started = time.perf_counter()
        for _ in range(n):
            t0 = time.perf_counter()
            response = http.get(f"{ITEMS}/{rng.choice(ids)}{suffix}")
            took = time.perf_counter() - t0
            result.statuses[response.status_code] += 1
            if response.status_code == 200:
                result.seconds.append(took)
        result.elapsed = time.perf_counter() - started
    return result
