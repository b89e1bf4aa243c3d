"""The real `learnloop serve` as a subprocess on a free 127.0.0.1 port, and its API tokens.

`Server(..., program=[python, "benchmarks/bare_app.py"])` starts P2's bare app instead, through
the same `learnloop serve` command line (see bare_app.py).
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

HOST = "127.0.0.1"
SUBGROUP = "serious-case-review"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
IDLE_LIMIT_S = 600.0


def learnloop_command() -> str:
    beside = Path(sys.executable).with_name("learnloop")
    if beside.exists():
        return str(beside)
    found = shutil.which("learnloop")
    if found is None:
        raise RuntimeError("the learnloop console script is not installed beside this python")
    return found


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment without LEARNLOOP_* settings, so only the command line decides, but
    with the per-token rate limit off: load generators send from one token on purpose."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNLOOP_")}
    return {**env, **(extra or {}), "LEARNLOOP_RATE_LIMIT_PER_MINUTE": "0"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def create_token(database_url: str, name: str = "bench contributor") -> str:
    """`learnloop users add ... --role contributor`; the token is stdout's last line."""
    done = subprocess.run(
        [
            *(learnloop_command(), "users", "add", name, "--role", "contributor"),
            *("--subgroup", SUBGROUP, "--database-url", database_url),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(),
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"users add failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout.strip().splitlines()[-1].strip()


@functools.cache
def serve_supports_workers() -> bool:
    """Whether this checkout's `learnloop serve --help` lists `--workers` (detected)."""
    done = subprocess.run(
        [learnloop_command(), "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(),
        check=False,
    )
    return "--workers" in done.stdout


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants (uvicorn's worker processes), from /proc."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                todo += [int(c) for c in (task / "children").read_text().split()]
    return found


class Server:
    """`with Server(url, log_dir, "label") as server:` starts it, waits for /healthz, stops it.

    `workers` adds `--workers N` (only pass it when `serve_supports_workers()`); `program`
    replaces `learnloop serve` by another command taking the same options; `env` adds to the
    server's environment."""

    def __init__(
        self,
        database_url: str,
        log_dir: Path,
        label: str,
        workers: int | None = None,
        program: list[str] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.database_url = database_url
        self.log_path = log_dir / f"server-{label}.log"
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.workers = workers
        self.program = program or [learnloop_command(), "serve"]
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        command = [*self.program, "--host", HOST, "--port", str(self.port)]
        command += ["--database-url", self.database_url]
        if self.workers is not None:
            command += ["--workers", str(self.workers)]
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=_env(self.env),
            )
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _wait_healthy(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self._log_tail()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server not healthy within {START_TIMEOUT_S:.0f} s: {self._log_tail()}")

    def peak_rss_mib(self) -> float:
        """VmHWM (peak resident set) from /proc, read while the server is still running; with
        worker processes, the sum over the process tree (an upper bound of the joint peak)."""
        assert self.proc is not None and self.proc.poll() is None, "server is not running"
        total = 0
        for pid in _tree(self.proc.pid):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        if not total:
            raise RuntimeError("no VmHWM in /proc/<pid>/status")
        return total / 1024

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server's processes so far."""
        assert self.proc is not None
        ticks = 0
        for pid in _tree(self.proc.pid):
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def wait_idle(self, limit_s: float = IDLE_LIMIT_S) -> float:
        """Waits until the server uses under 5% of a core over a second (its start-up work,
        such as the first reminder sweep, done); returns the seconds waited."""
        started = time.monotonic()
        before = self.cpu_seconds()
        while time.monotonic() - started < limit_s:
            time.sleep(1.0)
            now = self.cpu_seconds()
            if now - before < 0.05:
                break
            before = now
        return time.monotonic() - started

    def processes(self) -> int:
        assert self.proc is not None
        return len(_tree(self.proc.pid))

    def loop_and_http(self) -> str:
        """Which event loop and HTTP parser the server really runs: uvloop and httptools are
        C extensions, so they show in the processes' memory maps once loaded."""
        assert self.proc is not None
        maps = ""
        for pid in _tree(self.proc.pid):
            with contextlib.suppress(OSError):
                maps += Path(f"/proc/{pid}/maps").read_text()
        loop = "uvloop" if "/uvloop/" in maps else "asyncio"
        http = "httptools" if "/httptools/" in maps else "h11"
        return f"loop={loop}, http={http}"

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        started = _tree(proc.pid)
        proc.terminate()
        try:
            proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT_S)
        for pid in started[1:]:  # worker processes the server did not stop
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-2000:]
        except OSError:
            return "(no log)"
