"""One active scheduler per store, proved with two real processes on each store: the SQLite file
lock and the PostgreSQL advisory lock are held by one process at a time, and pass to the other
once the holder exits or is killed. The job functions do nothing in a process without the lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pytest
import sqlalchemy as sa

from adapters.bootstrap import Learnloop
from adapters.scheduler import SchedulerLock, deliver, sweep

TIMEOUT_S = 30

# A process on the store: says whether it holds the lock, then answers commands on stdin.
CONTENDER = textwrap.dedent(
    """
    import sys

    from adapters.bootstrap import bootstrap
    from adapters.logging import configure_logging
    from adapters.scheduler import SchedulerLock, deliver, sweep
    from adapters.settings import Settings

    configure_logging("warning", sys.stderr)  # stdout carries the answers alone
    ll = bootstrap(Settings(database_url=sys.argv[1]))
    lock = SchedulerLock(ll.store)
    print("held" if lock.acquire() else "not held", flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "acquire":
            print("held" if lock.acquire() else "not held", flush=True)
        elif command == "sweep":
            print(repr(sweep(ll, lock)), flush=True)
        elif command == "deliver":
            print(repr(deliver(ll, lock)), flush=True)
        elif command == "release":
            lock.release()
            print("released", flush=True)
        elif command == "exit":
            break
    lock.release()
    ll.close()
    print("bye", flush=True)
    """
)


class Contender:
    def __init__(self, database_url: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", CONTENDER, database_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={k: v for k, v in os.environ.items() if not k.startswith("LEARNLOOP_")},
        )

    def line(self) -> str:
        out = self.process.stdout
        assert out is not None
        got = _readline(out, TIMEOUT_S)
        if got is None:
            self.process.kill()
            _, err = self.process.communicate(timeout=TIMEOUT_S)
            raise AssertionError(f"no answer from the contender; stderr:\n{err}")
        return got

    def ask(self, command: str) -> str:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.line()

    def exit(self) -> None:
        assert self.ask("exit") == "bye"
        assert self.process.wait(timeout=TIMEOUT_S) == 0

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        assert self.process.wait(timeout=TIMEOUT_S) == -signal.SIGKILL

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=TIMEOUT_S)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


def _readline(stream: IO[str], timeout: float) -> str | None:
    """One line from a child's stdout, or None if none comes within `timeout` seconds."""
    import selectors

    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        if not selector.select(timeout):
            return None
    line = stream.readline()
    return line.strip() if line else None


@pytest.fixture
def contenders(open_learnloop: Callable[..., Learnloop]) -> Iterator[Callable[[], Contender]]:
    """`contenders()` starts a process on the test's store (its tables made here first)."""
    ll = open_learnloop()
    database_url = ll.settings.database_url
    started: list[Contender] = []

    def start() -> Contender:
        contender = Contender(database_url)
        started.append(contender)
        return contender

    yield start
    for contender in started:
        contender.stop()


def eventually_held(contender: Contender, within_s: float = 10.0) -> bool:
    """Polls a contender until it holds the lock (a killed holder's session may take a moment
    to end on the server), for at most `within_s` seconds."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if contender.ask("acquire") == "held":
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("ending", ["exit", "sigkill"])
def test_one_process_holds_the_scheduler_lock_and_the_other_takes_over_when_it_ends(
    contenders: Callable[[], Contender], ll: Learnloop, ending: str
):
    first = contenders()
    assert first.line() == "held"
    second = contenders()
    assert second.line() == "not held"

    assert second.ask("acquire") == "not held"
    assert second.ask("sweep") == "None"  # the job does nothing without the lock
    assert second.ask("deliver") == "None"
    assert first.ask("sweep") == "0"  # the holder sweeps (nothing is owed)
    assert first.ask("deliver") == "0"
    here = SchedulerLock(ll.store)  # and this process is not a holder either
    assert here.acquire() is False
    assert sweep(ll, here) is None
    assert deliver(ll, here) is None

    if ending == "exit":
        first.exit()
    else:
        first.kill()

    assert eventually_held(second)
    assert second.ask("sweep") == "0"
    assert here.acquire() is False
    second.exit()
    assert here.acquire() is True
    here.release()


def test_a_holder_that_releases_the_lock_lets_another_process_take_it(
    contenders: Callable[[], Contender],
):
    first = contenders()
    assert first.line() == "held"
    second = contenders()
    assert second.line() == "not held"

    assert first.ask("release") == "released"  # stops its scheduler, keeps running

    assert second.ask("acquire") == "held"
    assert first.ask("acquire") == "not held"
    assert first.ask("sweep") == "None"


def test_the_lock_is_held_once_in_a_process_and_released_on_release(ll: Learnloop):
    lock = SchedulerLock(ll.store)
    other = SchedulerLock(ll.store)
    assert lock.acquire() and lock.held
    assert lock.acquire()  # acquiring again while holding it keeps it
    assert other.acquire() is False and not other.held
    lock.release()
    assert not lock.held
    assert other.acquire() is True
    other.release()


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_a_holder_whose_database_session_ended_no_longer_holds_the_lock(
    contenders: Callable[[], Contender], ll: Learnloop
):
    first = contenders()
    assert first.line() == "held"
    lock_sessions = sa.text(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND database = "
        "(SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    with ll.store.engine.connect() as conn:
        [pid] = conn.execute(lock_sessions).scalars().all()
        assert conn.execute(sa.select(sa.func.pg_terminate_backend(pid))).scalar() is True

    second = contenders()
    assert second.line() == "held"  # the lock was free to take
    assert first.ask("acquire") == "not held"
    assert first.ask("sweep") == "None"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_holder_whose_lock_file_was_removed_no_longer_holds_the_lock(
    contenders: Callable[[], Contender], ll: Learnloop
):
    first = contenders()
    assert first.line() == "held"
    lock_file = Path(f"{ll.store.engine.url.database}.scheduler.lock")
    assert lock_file.exists()
    lock_file.unlink()

    second = contenders()
    taken = second.line() == "held"
    still = first.ask("acquire") == "held"

    assert not (taken and still), "two processes hold the scheduler lock"
