"""Target P3: `Projector.rebuild()` events/s against the library's bare read-and-decode rate.

For each store, seeds --events (untimed, straight through the aggregates), then, --rounds times,
rebuilds every view from the log and reads and decodes the whole log with nothing else; the best
round of each is kept, as the machine is shared and a slow round says more about the neighbours.

Beside them, the storage floor: the rows the rebuild wrote, already encoded, inserted again into
copies of the view tables (no secondary indexes, commits not waiting for the disk, 5000 rows a
transaction): what the database alone needs, before any event is read, decoded or folded.

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
from typing import Any

import sqlalchemy as sa
from bench_seed import Rate, recorded, seed, time_decode, time_rebuild
from bench_stores import open_store

from adapters.bootstrap import Learnloop, bootstrap
from adapters.settings import Settings

TARGET = 0.5
CHUNK = 5000


def storage_floor(ll: Learnloop) -> Rate:
    """Inserting again, from ready-encoded tuples, every row the last rebuild wrote."""
    engine = ll.projector.engine
    md = sa.MetaData()
    copies = {}
    for table in (t for v in ll.projector.views for t in v.tables):
        columns = [c._copy() for c in table.columns]
        for column in columns:
            column.index = None
        copies[table.name] = sa.Table(f"floor_{table.name}", md, *columns)
    md.drop_all(engine)
    md.create_all(engine)
    try:
        raw = engine.raw_connection()
        try:
            write = _postgres_floor if engine.dialect.name == "postgresql" else _sqlite_floor
            seconds = write(raw.driver_connection, list(copies))
        finally:
            raw.close()
    finally:
        md.drop_all(engine)
    return Rate(recorded(ll), seconds)


def _sqlite_floor(conn: Any, names: list[str]) -> float:
    conn.execute("PRAGMA synchronous=NORMAL")
    data = {name: conn.execute(f'SELECT * FROM "{name}"').fetchall() for name in names}
    started = time.perf_counter()
    for name, rows in data.items():
        marks = ", ".join("?" for _ in rows[0]) if rows else ""
        for start in range(0, len(rows), CHUNK):
            conn.execute("BEGIN")
            conn.executemany(f'INSERT INTO "floor_{name}" VALUES ({marks})', rows[start:][:CHUNK])
            conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.execute("PRAGMA synchronous=FULL")
    return seconds


def _postgres_floor(conn: Any, names: list[str]) -> float:
    conn.rollback()
    data: dict[str, list[bytes]] = {}
    with conn.cursor() as cursor:
        for name in names:
            with cursor.copy(f'COPY "{name}" TO STDOUT') as copy:
                data[name] = [bytes(block) for block in copy]  # one block per row
    conn.commit()
    conn.execute("SET synchronous_commit TO off")
    started = time.perf_counter()
    with conn.cursor() as cursor:
        for name, rows in data.items():
            for start in range(0, len(rows), CHUNK):
                with cursor.copy(f'COPY "floor_{name}" FROM STDIN') as copy:
                    copy.write(b"".join(rows[start:][:CHUNK]))
                conn.commit()
    seconds = time.perf_counter() - started
    conn.execute("RESET synchronous_commit")
    return seconds


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
            floors: list[Rate] = []
            for n in range(rounds):
                rebuilds.append(time_rebuild(ll))
                decodes.append(time_decode(ll))
                floors.append(storage_floor(ll))
                print(
                    f"[{kind}] round {n + 1}: rebuild {rebuilds[-1].per_s:,.0f}/s, "
                    f"read+decode {decodes[-1].per_s:,.0f}/s, "
                    f"storage floor {floors[-1].per_s:,.0f}/s",
                    file=sys.stderr,
                )
        finally:
            ll.close()
    rebuild = max(rebuilds, key=lambda r: r.per_s)
    decode = max(decodes, key=lambda r: r.per_s)
    floor = max(floors, key=lambda r: r.per_s)
    ratio = rebuild.per_s / decode.per_s
    # Reading, decoding and storing cannot take less than reading, decoding plus storing alone.
    ceiling = 1 / (1 + decode.per_s / floor.per_s)
    return (
        kind,
        f"{rebuild.events:,}",
        f"{rebuild.per_s:,.0f} ({rebuild.seconds:.1f} s)",
        f"{decode.per_s:,.0f} ({decode.seconds:.1f} s)",
        f"{ratio:.3f}",
        "met" if ratio >= TARGET else "not met",
        f"{floor.per_s:,.0f} ({floor.seconds:.1f} s)",
        f"{ceiling:.3f}",
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
        "| store | events | rebuild events/s | read+decode events/s | ratio | >= 0.5 "
        "| storage floor events/s | ratio bound by the floor |",
        "|---|---:|---:|---:|---:|---|---:|---:|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]
    lines += [
        "",
        "- ratio = rebuild events/s / read+decode events/s (one thread; seeding untimed)",
        "- ratio bound by the floor = 1 / (1 + read+decode rate / storage floor rate): the best",
        "  a rebuild could do if folding and encoding cost nothing and nothing overlapped",
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
