"""Background jobs, run by APScheduler inside `learnloop serve` and `learnloop worker`.

Every process keeps its read models caught up (events other processes recorded). Reminder sweeps
and deliveries run in one process per store at a time: the one holding the scheduler lock (a
PostgreSQL advisory lock, or an exclusive lock on a file beside the SQLite database). The lock
dies with its process, so another takes over at its next tick. Even without it nothing could be
issued twice (reminder ids are derived from what is owed); the lock saves the duplicate work.
"""

from __future__ import annotations

import fcntl
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
import structlog
from apscheduler.schedulers.background import BackgroundScheduler

from adapters.handle import Learnloop
from adapters.persistence.database import Store

log = structlog.get_logger("learnloop.scheduler")
_ADVISORY_KEY = 0x6C6561726E6C6F6F  # "learnloo"


class SchedulerLock:
    """Held by at most one process per store; `acquire` never blocks."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._held: Any = None
        self._mutex = threading.Lock()

    @property
    def held(self) -> bool:
        return self._held is not None

    def acquire(self) -> bool:
        with self._mutex:
            if self._held is not None and not self._still_held():
                self._drop()
            if self._held is None:
                self._held = self._try()
            return self._held is not None

    def release(self) -> None:
        with self._mutex:
            self._drop()

    def _still_held(self) -> bool:
        """An advisory lock lives as long as its session: if the server ended the session
        (restart, failover, an idle timeout) another process may hold the lock now."""
        if hasattr(self._held, "fileno"):
            return _same_file(self._held)
        if not isinstance(self._held, sa.Connection):
            return True
        try:
            query = sa.text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND pid = pg_backend_pid()"
            )
            held = bool(self._held.execute(query).scalar())
            self._held.commit()
            return held
        except sa.exc.DBAPIError:
            return False

    def _drop(self) -> None:
        held, self._held = self._held, None
        if isinstance(held, sa.Connection):
            held.invalidate()  # close the session itself, not back to the pool: unlocks
            held.close()
        elif held is not None and hasattr(held, "close"):
            held.close()

    def _try(self) -> Any:
        kind = self.store.kind
        if kind == "postgresql":
            conn = self.store.engine.connect()
            got = conn.execute(sa.select(sa.func.pg_try_advisory_lock(_ADVISORY_KEY))).scalar()
            conn.commit()
            if got:
                return conn
            conn.close()
            return None
        database = self.store.engine.url.database
        if kind == "sqlite" and database and database != ":memory:":
            return _flock(Path(f"{database}.scheduler.lock"))
        return True  # an in-process store: this process is the only one


def _flock(path: Path) -> IO[str] | None:
    handle = open(path, "a+")  # noqa: SIM115 - held open for as long as the lock is held
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    handle.truncate(0)
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def _same_file(handle: IO[str]) -> bool:
    """A lock file deleted (or replaced) while held would let another process lock a new one."""
    try:
        return os.fstat(handle.fileno()).st_ino == os.stat(handle.name).st_ino
    except OSError:
        return False


def start_scheduler(ll: Learnloop, lock: SchedulerLock | None = None) -> BackgroundScheduler:
    lock = lock or SchedulerLock(ll.store)
    scheduler = BackgroundScheduler(timezone="UTC")
    every = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}
    if ll.shared_projection is None:  # otherwise one process projects for all (ADR 0018)
        scheduler.add_job(
            _catch_up,
            "interval",
            args=[ll],
            id="projections.catch_up",
            seconds=ll.settings.projection_poll_seconds,
            **every,
        )
    scheduler.add_job(
        sweep,
        "interval",
        args=[ll, lock],
        id="reminders.sweep",
        minutes=ll.settings.reminder_sweep_minutes,
        next_run_time=_now(),
        **every,
    )
    scheduler.add_job(
        deliver,
        "interval",
        args=[ll, lock],
        id="reminders.deliver",
        seconds=ll.settings.reminder_delivery_seconds,
        **every,
    )
    scheduler.start()
    scheduler.lock = lock
    return scheduler


def stop_scheduler(scheduler: BackgroundScheduler) -> None:
    scheduler.shutdown(wait=True)
    lock = getattr(scheduler, "lock", None)
    if lock is not None:
        lock.release()


def sweep(ll: Learnloop, lock: SchedulerLock) -> int | None:
    """One reminder sweep, if this process holds the lock; the count issued, else None."""
    if not lock.acquire():
        return None
    ll.projector.catch_up()
    result = ll.reminders.sweep()
    log.info("reminders_swept", issued=result.issued, cancelled=result.cancelled)
    return result.issued


def deliver(ll: Learnloop, lock: SchedulerLock) -> int | None:
    if not lock.acquire():
        return None
    delivered = ll.reminders.deliver()
    if delivered:
        log.info("reminders_delivered", delivered=delivered)
    return delivered


def _catch_up(ll: Learnloop) -> None:
    try:
        ll.projector.catch_up()
    except Exception:
        log.exception("projection_catch_up_failed")
        raise


def _now() -> datetime:
    return datetime.now(UTC)
