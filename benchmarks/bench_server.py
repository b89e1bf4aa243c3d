"""The real `learnloop serve` as a subprocess on a free 127.0.0.1 port, and its API tokens."""

from __future__ import annotations

import os
import shutil
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


def learnloop_command() -> str:
    beside = Path(sys.executable).with_name("learnloop")
    if beside.exists():
        return str(beside)
    found = shutil.which("learnloop")
    if found is None:
        raise RuntimeError("the learnloop console script is not installed beside this python")
    return found


def _env() -> dict[str, str]:
    """This environment without LEARNLOOP_* settings, so only the command line decides, but
    with the per-token rate limit off: load generators send from one token on purpose."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNLOOP_")}
    return {**env, "LEARNLOOP_RATE_LIMIT_PER_MINUTE": "0"}


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


class Server:
    """`with Server(url, log_dir, "label") as server:` starts it, waits for /healthz, stops it."""

    def __init__(self, database_url: str, log_dir: Path, label: str) -> None:
        self.database_url = database_url
        self.log_path = log_dir / f"server-{label}.log"
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        command = [learnloop_command(), "serve", "--host", HOST, "--port", str(self.port)]
        command += ["--database-url", self.database_url]
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=_env()
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
        """VmHWM (peak resident set) from /proc, read while the server is still running."""
        assert self.proc is not None and self.proc.poll() is None, "server is not running"
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmHWM in /proc/<pid>/status")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT_S)

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-2000:]
        except OSError:
            return "(no log)"
