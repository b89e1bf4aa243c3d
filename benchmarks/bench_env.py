"""The conditions of a run, printed above the table: machine, versions, load, server setup."""

from __future__ import annotations

import os
import platform
import sqlite3
import time
from importlib.metadata import version
from pathlib import Path

import bench_wrk
from bench_targets import Plan

_notes: dict[str, str] = {}
_load_at_start: list[str] = []


def start() -> None:
    _load_at_start[:] = [_loadavg()]


def note(key: str, value: str) -> None:
    _notes[key] = value


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def lines(plan: Plan) -> list[str]:
    packages = ", ".join(
        f"{name} {version(name)}" for name in ("eventsourcing", "fastapi", "starlette", "uvicorn")
    )
    found = [
        f"- machine: {os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable), "
        f"{_cpu_model()}, {platform.system()} {platform.release()}",
        f"- load average (1, 5, 15 min) at start {_load_at_start[0] if _load_at_start else '?'}, "
        f"at end {_loadavg()} (other work on the machine shows here)",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; {packages}",
        f"- load generator: {bench_wrk.version()}, one thread (-t1), nothing pinned",
        f"- sizes: small store {plan.small:,} events, large store {plan.large:,} events; "
        f"{plan.seconds:.0f} s per measured load after a {plan.warmup:.0f} s warm-up",
        f"- measured at {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
    ]
    found += [f"- {key}: {value}" for key, value in _notes.items()]
    return found
