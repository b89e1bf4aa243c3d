"""wrk, the load generator: one thread (`-t1`) driving N keep-alive connections.

A C event loop uses a fraction of the CPU a threaded Python client would, so on a small machine
the rates measured are the server's, not the generator's. The Lua scripts in benchmarks/wrk/ pick
the requests and print a JSON summary (latency percentiles and every response's status).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent / "wrk"
MARK = "WRK_JSON "
QUANTILES = "WRK_QUANTILES "


@dataclass(frozen=True)
class Load:
    """What one wrk run got. Latencies in ms; `statuses` counts every response by status."""

    connections: int
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    statuses: dict[int, int] = field(default_factory=dict)
    socket_errors: int = 0
    quantiles: tuple[float, ...] = ()  # ms, 200 evenly spaced (see wrk/common.lua)

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    @property
    def errors(self) -> int:
        return self.requests - self.ok + self.socket_errors

    @property
    def per_s(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def describe(self) -> str:
        text = f"p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms"
        if self.errors:
            bad = {s: n for s, n in sorted(self.statuses.items()) if not 200 <= s < 300}
            text += f"; **{self.errors} errors** {bad}"
            if self.socket_errors:
                text += f" + {self.socket_errors} socket errors"
        return text


def ensure_wrk() -> str:
    """The wrk binary; installs the Debian package (we run as root) when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found: apt-get install -y wrk", file=sys.stderr)
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, capture_output=True, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, check=False)
        subprocess.run(install, capture_output=True, check=True)
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk is not installed and apt-get could not install it")
    return found


def version() -> str:
    done = subprocess.run([ensure_wrk(), "-v"], capture_output=True, text=True, check=False)
    first = (done.stdout or done.stderr).splitlines()
    return first[0].split(" Copyright")[0] if first else "wrk (unknown version)"


def run(
    base_url: str,
    script: str,
    args: list[str],
    connections: int,
    seconds: float,
    headers: dict[str, str],
) -> Load:
    command = [ensure_wrk(), "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
    command += ["--timeout", "30s", "-s", str(SCRIPTS / f"{script}.lua")]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += [base_url, "--", *args]
    done = subprocess.run(
        command, cwd=SCRIPTS, capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr[-2000:]}")
    found = json.loads(lines[-1][len(MARK) :])
    quantiles = [line for line in done.stdout.splitlines() if line.startswith(QUANTILES)]
    return Load(
        connections=connections,
        requests=found["requests"],
        seconds=found["duration_us"] / 1e6,
        p50_ms=found["p50_us"] / 1e3,
        p99_ms=found["p99_us"] / 1e3,
        statuses={int(k): v for k, v in found["statuses"].items()},
        socket_errors=sum(found[k] for k in ("connect", "read", "write", "timeout")),
        quantiles=tuple(float(q) / 1e3 for q in quantiles[-1][len(QUANTILES) :].split(","))
        if quantiles
        else (),
    )


def merge(loads: list[Load]) -> Load:
    """Several runs of one load (interleaved with another's, so both see the same background
    noise) as one: counts added, percentiles from the runs' quantiles weighted by requests."""
    points = sorted(
        (q, load.requests / len(load.quantiles)) for load in loads for q in load.quantiles
    )
    total = sum(weight for _, weight in points)

    def pct(p: float) -> float:
        seen = 0.0
        for value, weight in points:
            seen += weight
            if seen >= total * p / 100:
                return value
        return points[-1][0] if points else float("nan")

    statuses: dict[int, int] = {}
    for load in loads:
        for status, n in load.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
    return Load(
        connections=loads[0].connections,
        requests=sum(load.requests for load in loads),
        seconds=sum(load.seconds for load in loads),
        p50_ms=pct(50),
        p99_ms=pct(99),
        statuses=statuses,
        socket_errors=sum(load.socket_errors for load in loads),
        quantiles=(),
    )
