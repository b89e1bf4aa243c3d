"""Target P3: `Projector.rebuild()` events/s against the library's bare read-and-decode rate.

For each store, seeds --events (untimed, straight through the aggregates), then, --rounds times,
rebuilds every view from the log and reads and decodes the whole log with nothing else; the best
round of each is kept, as the machine is shared and a slow round says more about the neighbours.

    .venv/bin/python benchmarks/rebuild.py [--stores sqlite,postgres] [--events 100000] [--rounds 2]

PostgreSQL: a temporary database on the server of --postgres-url, dropped before the script ends.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from bench_seed import Rate, recorded, seed, time_decode, time_rebuild
from bench_stores import open_store

from adapters.bootstrap import bootstrap
from adapters.settings import Settings

TARGET = 0.5


def measure(kind: str, events: int, rounds: int, tmp: Path, admin_url: str) -> tuple[str, ...]:
    with open_store(kind, tmp, f"rebuild-{kind}", admin_url) as store:
        ll = bootstrap(Settings(database_url=store.url))
        try:
            started = time.perf_counter()
            seed(ll, events)
            print(
                f"[{kind}] seeded {recorded(ll):,} events in {time.perf_counter() - started:.1f} s",
                file=sys.stderr,
            )
            rebuilds: list[Rate] = []
            decodes: list[Rate] = []
            for n in range(rounds):
                rebuilds.append(time_rebuild(ll))
                decodes.append(time_decode(ll))
                print(
                    f"[{kind}] round {n + 1}: rebuild {rebuilds[-1].per_s:,.0f}/s, "
                    f"read+decode {decodes[-1].per_s:,.0f}/s",
                    file=sys.stderr,
                )
        finally:
            ll.close()
    rebuild = max(rebuilds, key=lambda r: r.per_s)
    decode = max(decodes, key=lambda r: r.per_s)
    ratio = rebuild.per_s / decode.per_s
    return (
        kind,
        f"{rebuild.events:,}",
        f"{rebuild.per_s:,.0f} ({rebuild.seconds:.1f} s)",
        f"{decode.per_s:,.0f} ({decode.seconds:.1f} s)",
        f"{ratio:.3f}",
        "met" if ratio >= TARGET else "not met",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", default="sqlite,postgres", help="comma-separated")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2, help="best of this many")
    parser.add_argument(
        "--postgres-url",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="an existing database to connect to while creating and dropping the bench database",
    )
    args = parser.parse_args(argv)
    if args.events < 10 or args.rounds < 1:
        parser.error("--events must be at least 10 and --rounds at least 1")
    rows = []
    with tempfile.TemporaryDirectory(prefix="learnloop_rebuild_") as tmp:
        for kind in (s.strip() for s in args.stores.split(",") if s.strip()):
            rows.append(measure(kind, args.events, args.rounds, Path(tmp), args.postgres_url))
    lines = [
        f"P3 projection rebuild: `benchmarks/rebuild.py {' '.join(argv or sys.argv[1:])}`; "
        f"python {platform.python_version()}, {os.cpu_count()} cores; best of {args.rounds}",
        "",
        "| store | events | rebuild events/s | read+decode events/s | ratio | >= 0.5 |",
        "|---|---:|---:|---:|---:|---|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
