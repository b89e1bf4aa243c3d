"""Where the server's CPU goes under load: py-spy samples `learnloop serve` while wrk drives it.

    .venv/bin/python benchmarks/profile_server.py [--store sqlite|postgres]
        [--load commands|get|history] [--clients 16] [--seconds 15] [--gil]

Seeds a 10k-event store, starts the server, runs the same wrk load as run.py and records the
server's Python stacks with `py-spy record --format raw` (sampling threads that are running, or
with --gil only the thread holding the GIL). Prints the inclusive share of the busiest functions
in learnloop, eventsourcing, SQLAlchemy, FastAPI/Starlette/pydantic and uvicorn, and the
self-time share by package. Needs py-spy (`pip install py-spy`; not a learnloop dependency).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench_server import Server
from bench_stores import open_store
from bench_targets import Plan, auth, command_files, prepare
from bench_wrk import ensure_wrk
from bench_wrk import run as wrk

FRAME = re.compile(r"^(?P<fn>.+?) \((?P<file>[^:]+)(?::\d+)?\)$")
PACKAGES = (
    "adapters",
    "services",
    "projections",
    "domain",
    "eventsourcing",
    "sqlalchemy",
    "psycopg",
    "psycopg_pool",
    "pydantic",
    "fastapi",
    "starlette",
    "anyio",
    "uvicorn",
    "h11",
    "structlog",
    "json",
    "asyncio",
    "threading",
    "concurrent",
)


def package(path: str) -> str:
    parts = Path(path).parts
    for name in reversed(parts[:-1]):
        if name in PACKAGES:
            return name
    for name in parts:  # a module file of the standard library, e.g. json/encoder.py
        if name in PACKAGES:
            return name
    return Path(path).stem if "python3" in path else "other"


def frames(stack: str) -> list[tuple[str, str]]:
    found = []
    for frame in stack.split(";"):
        match = FRAME.match(frame.strip())
        if match:
            found.append((match["fn"], match["file"]))
    return found


def summarise(raw: Path, top: int) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        found = frames(stack)
        if not found:
            continue
        total += n
        own[package(found[-1][1])] += n
        fn, path = found[-1]
        leaves[f"{package(path)}: {fn} ({Path(path).name})"] += n
        seen = set()
        for fn, path in found:
            pkg = package(path)
            key = f"{pkg}: {fn} ({Path(path).name})"
            if key not in seen and pkg in PACKAGES[:11]:
                seen.add(key)
                inclusive[key] += n
    lines = [f"{total:,} samples", "", "| inclusive | function |", "|---:|---|"]
    lines += [f"| {n / total:.0%} | {key} |" for key, n in inclusive.most_common(top)]
    lines += ["", "| self | function (the Python frame, and any C call it is in) |", "|---:|---|"]
    lines += [f"| {n / total:.0%} | {key} |" for key, n in leaves.most_common(15)]
    lines += ["", "| self | package |", "|---:|---|"]
    lines += [f"| {n / total:.0%} | {key} |" for key, n in own.most_common()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--load", choices=("commands", "get", "history"), default="commands")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--gil", action="store_true", help="only the thread holding the GIL")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args(argv)
    spy = Path(sys.executable).with_name("py-spy")
    spy_command = str(spy) if spy.exists() else shutil.which("py-spy")
    if spy_command is None:
        parser.error("py-spy is not installed: .venv/bin/pip install py-spy")
    ensure_wrk()
    plan = Plan(10_000, 10_000, args.seconds, 2.0, 1.0, 0)
    with tempfile.TemporaryDirectory(prefix="learnloop_profile_") as tmp_name:
        tmp = Path(tmp_name)
        with open_store(args.store, tmp, "profile", args.postgres_url) as store:
            seeded = prepare(store, tmp, "profile", plan.small, timed=False)
            if args.load == "commands":
                script, wrk_args = "commands", [*command_files(tmp, seeded), "profile"]
            else:
                script, wrk_args = "get", [str(seeded.ids_file), args.load, "1"]
            headers = auth(seeded.token)
            with Server(store.url, tmp, "profile") as server:
                wrk(server.base_url, script, wrk_args, 4, plan.warmup, headers)
                raw = tmp / "profile.txt"
                assert server.proc is not None
                record = [spy_command, "record", "--pid", str(server.proc.pid), "--rate", "250"]
                record += ["--duration", str(args.seconds), "--format", "raw", "-o", str(raw)]
                spying = subprocess.Popen(
                    [*record, *(["--gil"] if args.gil else [])],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
                load = wrk(server.base_url, script, wrk_args, args.clients, args.seconds, headers)
                _, err = spying.communicate(timeout=args.seconds + 60)
                if spying.returncode != 0 or not raw.exists():
                    raise RuntimeError(f"py-spy failed: {err.decode(errors='replace')[-2000:]}")
            print(
                f"{args.store}, {args.load} x{args.clients}, {args.seconds} s: "
                f"{load.per_s:,.0f} req/s, {load.describe()}; py-spy "
                f"{'--gil' if args.gil else '(running threads)'}"
            )
            print()
            print(summarise(raw, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
