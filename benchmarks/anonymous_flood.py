"""Does an anonymous flood slow an authenticated writer? (issue 16; ADR 0030)

    .venv/bin/python benchmarks/anonymous_flood.py [--writes 150] [--flooders 4]

Starts the real `learnloop serve` on a temporary SQLite store (the default limits, except the
per-user rate limit, off so the writer is never refused), adds a contributor, and measures the
median and p90 latency of `POST /api/v1/learning-items` sent one after another: first with the
server otherwise idle, then while `--flooders` processes send, as fast as they can, what
issue 16 found costly: POSTs with an unknown token and an `Idempotency-Key`, cookieless
`GET /sign-in`, and POSTs without a token. Prints the figures, the flood's answers by status,
the server's CPU per write and per flood request, and whether the flooded median is within 1.5
times the idle one (exit 1 if not). Bounded: --writes per phase. On a shared machine the flood's
own client processes compete for the cores: read the CPU figures beside the latencies.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_server import Server, create_token

ITEM = {
    "subgroup": "serious-case-review",
    "title": "Agencies missed the signs",
    "description": "Referrals were not shared between agencies",
    "source": {"kind": "local_serious_case_review"},
}


def _flood(base_url: str, n: int, stop: Any, out: Any) -> None:
    seen: Counter[int] = Counter()
    with httpx.Client(base_url=base_url, timeout=10) as client:
        i = 0
        while not stop.is_set():
            i += 1
            try:
                kind = i % 3
                if kind == 0:
                    headers = {"Authorization": f"Bearer guess-{n}-{i}", "Idempotency-Key": f"k{i}"}
                    response = client.post("/api/v1/learning-items", json=ITEM, headers=headers)
                elif kind == 1:
                    response = httpx.get(f"{base_url}/sign-in", timeout=10)  # no cookie kept
                else:
                    response = client.post("/api/v1/learning-items", json=ITEM)
                seen[response.status_code] += 1
            except httpx.HTTPError:
                seen[0] += 1
    out.put(dict(seen))


def _writes(base_url: str, token: str, count: int) -> list[float]:
    timings = []
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for _ in range(count):
            started = time.perf_counter()
            response = client.post("/api/v1/learning-items", json=ITEM, headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 201, response.text
    return timings


def _figures(timings: list[float]) -> tuple[float, float]:
    ordered = sorted(timings)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.9)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=150)
    parser.add_argument("--flooders", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/flood.db"
        token = create_token(url)
        with Server(url, Path(tmp), "flood") as server:
            server.wait_idle(limit_s=30)
            _writes(server.base_url, token, 20)  # warm up
            cpu_start = server.cpu_seconds()
            idle = _figures(_writes(server.base_url, token, args.writes))
            cpu_per_write = (server.cpu_seconds() - cpu_start) / args.writes
            cpu_start = server.cpu_seconds()
            stop = multiprocessing.Event()
            out: multiprocessing.Queue[dict[int, int]] = multiprocessing.Queue()
            flooders = [
                multiprocessing.Process(target=_flood, args=(server.base_url, n, stop, out))
                for n in range(args.flooders)
            ]
            for process in flooders:
                process.start()
            time.sleep(1.0)  # the flood under way
            flooded = _figures(_writes(server.base_url, token, args.writes))
            stop.set()
            cpu_flood = server.cpu_seconds() - cpu_start - cpu_per_write * args.writes
            answers: Counter[int] = Counter()
            for _ in flooders:
                answers.update(out.get(timeout=30))
            for process in flooders:
                process.join(timeout=30)
    ratio = flooded[0] / idle[0]
    flood_total = sum(answers.values())
    print(f"writes per phase: {args.writes}; flooders: {args.flooders}")
    print(f"idle:    median {idle[0]:.1f} ms, p90 {idle[1]:.1f} ms")
    print(f"flooded: median {flooded[0]:.1f} ms, p90 {flooded[1]:.1f} ms")
    print(f"flood answers by status: {dict(sorted(answers.items()))}")
    print(
        f"server CPU: {cpu_per_write * 1000:.2f} ms per write, "
        f"{cpu_flood * 1000 / max(1, flood_total):.2f} ms per flood request; "
        f"load average {Path('/proc/loadavg').read_text().split()[0]}"
    )
    print(f"flooded median / idle median: {ratio:.2f} (target at most 1.5)")
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
