"""One projector for many server processes on one PostgreSQL (ADR 0018).

Every process runs a `SharedProjection`. The one holding the projector's advisory lock follows
the event log into the read models: the event store NOTIFYs `learnloop_events` as it commits,
and the leader catches up and NOTIFYs `learnloop_projected` with the position every view has
reached. Every process's commands wait for that position (read-your-writes) rather than
projecting themselves; since the read models are shared, a write acknowledged by one process
is visible to a read in any other. The lock is a session lock on the listening connection: if
the leader dies, its session ends and another process takes over on its next tick. Tracking
stays exactly-once whoever projects (ADR 0003), so a brief overlap could not apply an event twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import psycopg
import structlog
from psycopg import sql

from adapters.persistence.group_commit import Committed
from projections.projector import Projector

PROJECTED = "learnloop_projected"
_PROJECTOR_KEY = 0x6C6C70726F6A6563  # "llprojec"; the scheduler's lock has its own key

log = structlog.get_logger("learnloop.projection")


class ProjectionTimeout(RuntimeError):
    pass


class SharedProjection:
    def __init__(
        self,
        projector: Projector,
        conninfo: str,
        events_channel: str,
        tick_seconds: float = 1.0,
        wait_seconds: float = 30.0,
    ) -> None:
        self.projector = projector
        self.conninfo = conninfo
        self.events_channel = events_channel
        self.tick_seconds = tick_seconds
        self.wait_seconds = wait_seconds
        self.leading = False
        self.reached = 0
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.reached = min(self.projector.positions().values(), default=0)
        self._thread = threading.Thread(target=self._run, name="learnloop-projection", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def follow(self, committed: Sequence[Committed]) -> None:
        """The recorder's post-commit hook: waits until the leader announced the last of the
        events this process just committed (it projects them from the log, ADR 0018)."""
        if committed:
            self.wait_for(max(c.position for c in committed))

    def wait_for(self, position: int) -> None:
        """Returns once the leader announced `position` (or the views show it)."""
        deadline = time.monotonic() + self.wait_seconds
        with self._changed:
            while self.reached < position:
                left = deadline - time.monotonic()
                if left <= 0:
                    msg = f"read models reached {self.reached}, not the recorded {position}"
                    raise ProjectionTimeout(msg)
                self._changed.wait(min(left, self.tick_seconds))

    def _reach(self, position: int) -> None:
        with self._changed:
            if position > self.reached:
                self.reached = position
                self._changed.notify_all()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True) as conn:
                    self._follow(conn)
            except psycopg.Error as exc:
                log.warning("projection_connection_lost", error=type(exc).__name__)
            except Exception:
                log.exception("projection_failed")
            self.leading = False
            self._stop.wait(self.tick_seconds)

    def _follow(self, conn: psycopg.Connection) -> None:
        conn.execute(sql.SQL("LISTEN {0}").format(sql.Identifier(self.events_channel)))
        conn.execute(sql.SQL("LISTEN {0}").format(sql.Identifier(PROJECTED)))
        while not self._stop.is_set():
            if not self.leading:
                self.leading = bool(
                    conn.execute("SELECT pg_try_advisory_lock(%s)", (_PROJECTOR_KEY,)).fetchone()[0]
                )
                if self.leading:
                    log.info("projection_leader")
            if self.leading:
                reached = self.projector.catch_up()
                conn.execute("SELECT pg_notify(%s, %s)", (PROJECTED, str(reached)))
            else:
                reached = min(self.projector.positions().values(), default=0)
            self._reach(reached)
            # Until the tick ends: followers take the leader's announcements; the leader
            # goes back to project as soon as events are committed.
            for notify in conn.notifies(timeout=self.tick_seconds):
                if notify.channel == PROJECTED and notify.payload.isdigit():
                    self._reach(int(notify.payload))
                elif self.leading:
                    break
