"""The projector: follows the event log into the read models, exactly once.

Each view has its own tracking row. A batch of notifications is decoded once and applied to each
view that has not yet seen it, in one transaction with a conditional tracking update (the row
moves only from the position this projector read), so a restart never applies an event twice or
skips one, and two projectors racing on one store cannot both apply the same batch.

Events this process has just committed arrive with their positions (`project`, the recorder's
post-commit hook, ADR 0021): they are applied as they are, never read back from the log; only
what another process recorded before them is read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from eventsourcing.persistence import ApplicationRecorder

from projections import schema
from projections.documents import View
from projections.rebuild import deferred_indexes, relaxed_durability

Decode = Callable[[Any], Any]
Progress = Callable[[int, int], None]  # (position every view has reached, positions recorded)
Batch = list[tuple[int, Any]]  # (log position, domain event), in log order


class StaleTracking(Exception):
    """Another projector moved a view's tracking position first; this batch is discarded."""


class Projector:
    def __init__(
        self,
        engine: sa.Engine,
        recorder: ApplicationRecorder,
        decode: Decode,
        views: Sequence[View],
        batch_size: int = 1000,
        rebuild_batch_size: int = 5000,
    ) -> None:
        self.engine = engine
        self.recorder = recorder
        self.decode = decode
        self.views = list(views)
        self.batch_size = batch_size
        self.rebuild_batch_size = rebuild_batch_size
        self._lock = threading.RLock()
        self._known: dict[str, int] | None = None  # positions as of this projector's last commit

    def create_tables(self) -> None:
        """Creates the views' tables; drops them first if an older version of learnloop built
        them, so the catch-up that follows rebuilds them from the log."""
        with self.engine.begin() as conn:
            if self._stale_schema(conn):
                schema.metadata.drop_all(conn)
            schema.metadata.create_all(conn)
            if not conn.execute(sa.select(schema.schema_version.c.version)).first():
                conn.execute(sa.insert(schema.schema_version).values(version=schema.SCHEMA_VERSION))
        with self.engine.begin() as conn:
            known = set(conn.execute(sa.select(schema.tracking.c.view)).scalars())
            missing = [{"view": v.name, "position": 0} for v in self.views if v.name not in known]
            if missing:
                conn.execute(sa.insert(schema.tracking), missing)

    @staticmethod
    def _stale_schema(conn: sa.Connection) -> bool:
        tables = sa.inspect(conn).get_table_names()
        if schema.tracking.name not in tables:
            return False
        if schema.schema_version.name not in tables:
            return True
        found = conn.execute(sa.select(schema.schema_version.c.version)).scalar()
        return found != schema.SCHEMA_VERSION

    def positions(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = dict(
                conn.execute(sa.select(schema.tracking.c.view, schema.tracking.c.position)).all()
            )
        return {v.name: rows.get(v.name, 0) for v in self.views}

    def catch_up(self, until: int | None = None, progress: Progress | None = None) -> int:
        """Applies what is recorded (or at least up to `until`); returns the lowest position
        every view has reached. `progress(position, total)` hears of each batch applied."""
        with self._lock:
            return self._catch_up(self._apply_next_batch, until, progress)

    def _catch_up(
        self, apply_batch: Callable[[], bool], until: int | None, progress: Progress | None
    ) -> int:
        total = (self.recorder.max_notification_id() or 0) if progress else 0
        while until is None or self._reached() < until:
            try:
                if not apply_batch():
                    break
            except StaleTracking:
                self._known = None
                continue
            if progress:
                reached = self._reached()
                progress(reached, max(total, reached))
        return self._reached()

    def project(self, committed: Sequence[tuple[int, Any]]) -> None:
        """Applies events just committed, with their positions (the recorder's post-commit
        hook): what it is handed it never reads back; it reads only what others recorded before
        those events. Returns once every view shows them (read-your-writes)."""
        if not committed:
            return
        last = max(position for position, _ in committed)
        with self._lock:
            if any(event is None for _, event in committed):
                self.wait_for(last)  # handed positions alone: read the events
                return
            try:
                self._apply_handed(sorted(committed, key=lambda c: c[0]))
            except StaleTracking:
                self._known = None
            self.wait_for(last)  # a no-op unless another projector moved first

    def _apply_handed(self, handed: Batch) -> None:
        reached = self._reached()
        handed = [(p, e) for p, e in handed if p > reached]
        if not handed:
            return
        first = handed[0][0]
        if first > reached + 1:
            # Other processes may have recorded before these: read only up to them.
            stop = first - 1
            self._catch_up(lambda: self._apply_next_batch(stop=stop), None, None)
        batch: Batch = []
        for position, event in handed:
            previous = batch[-1][0] if batch else self._reached()
            if position > previous + 1:  # a gap: another process's events, or none (rollback)
                batch += self._read_all(previous, stop=position - 1)
            batch.append((position, event))
        self._apply(batch)

    def wait_for(self, position: int) -> None:
        """Returns once every view shows the event recorded at `position` (read-your-writes)."""
        if self._known is not None and min(self._known.values()) >= position:
            return
        reached = self.catch_up(until=position)
        if reached < position:
            msg = f"read models reached {reached}, not the recorded position {position}"
            raise RuntimeError(msg)

    def rebuild(self, progress: Progress | None = None) -> int:
        """Drops the views and replays the whole log into them; returns the position reached.

        Same batches and tracking as `catch_up`, only bigger, on one connection whose commits
        do not wait for the disk: a batch a crash loses is lost with its tracking row, so it
        is applied again, never half. `progress(position, total)` hears of each batch."""
        with self._lock:
            tables = [t for v in self.views for t in v.tables]
            schema.metadata.drop_all(self.engine, tables=[*tables, schema.tracking])
            self._known = None
            self.create_tables()
            with (
                self.engine.connect() as conn,
                relaxed_durability(conn),
                deferred_indexes(conn, tables),
            ):
                size = self.rebuild_batch_size
                self._catch_up(lambda: self._apply_next_batch(conn, size), None, progress)
            return self._catch_up(self._apply_next_batch, None, progress)

    def _lock_tracking(self, conn: sa.Connection, positions: dict[str, int]) -> None:
        """Locks the tracking rows (SQLite's BEGIN IMMEDIATE already has) and checks no other
        projector moved them since we read them, before any view row is written."""
        tracking = schema.tracking
        query = sa.select(tracking.c.view, tracking.c.position).with_for_update()
        current = dict(conn.execute(query).all())
        if any(current.get(name) != position for name, position in positions.items()):
            raise StaleTracking("another projector moved first")

    def _reached(self) -> int:
        if self._known is None:
            self._known = self.positions()
        return min(self._known.values())

    def _read(self, after: int, limit: int, stop: int | None = None) -> Batch:
        notifications = self.recorder.select_notifications(
            start=after, limit=limit, stop=stop, inclusive_of_start=False
        )
        return [(n.id, self.decode(n)) for n in notifications]

    def _read_all(self, after: int, stop: int) -> Batch:
        found: Batch = []
        while chunk := self._read(after, self.batch_size, stop):
            found += chunk
            after = chunk[-1][0]
        return found

    def _apply_next_batch(
        self, conn: sa.Connection | None = None, limit: int = 0, stop: int | None = None
    ) -> bool:
        batch = self._read(self._reached(), limit or self.batch_size, stop)
        if not batch:
            return False
        self._apply(batch, conn)
        return True

    def _apply(self, batch: Batch, conn: sa.Connection | None = None) -> None:
        # Positions cached from our last commit may be behind another projector's; the
        # conditional tracking update then fails and they are read afresh.
        self._reached()
        positions = dict(self._known or {})
        last = batch[-1][0]
        with self.engine.begin() if conn is None else _transaction(conn) as conn:
            self._lock_tracking(conn, positions)
            for view in self.views:
                after = positions[view.name]
                own = batch if batch[0][0] > after else [(p, e) for p, e in batch if p > after]
                if not own:
                    continue
                view.apply(conn, own)
                moved = conn.execute(
                    sa.update(schema.tracking)
                    .where(schema.tracking.c.view == view.name)
                    .where(schema.tracking.c.position == positions[view.name])
                    .values(position=last)
                ).rowcount
                if moved != 1:
                    raise StaleTracking(view.name)
                positions[view.name] = last
        self._known = positions


@contextmanager
def _transaction(conn: sa.Connection) -> Iterator[sa.Connection]:
    with conn.begin():
        yield conn
