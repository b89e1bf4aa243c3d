"""The projector: follows the event log into the read models, exactly once.

Each view has its own tracking row. A batch of notifications is decoded once and applied to each
view that has not yet seen it, in one transaction with a conditional tracking update (the row
moves only from the position this projector read), so a restart never applies an event twice or
skips one, and two projectors racing on one store cannot both apply the same batch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from eventsourcing.persistence import ApplicationRecorder

from projections import schema
from projections.views import View

Decode = Callable[[Any], Any]


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
    ) -> None:
        self.engine = engine
        self.recorder = recorder
        self.decode = decode
        self.views = list(views)
        self.batch_size = batch_size
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

    def catch_up(self, until: int | None = None) -> int:
        """Applies what is recorded (or at least up to `until`); returns the lowest position
        every view has reached."""
        with self._lock:
            while until is None or self._reached() < until:
                try:
                    if not self._apply_next_batch():
                        break
                except StaleTracking:
                    self._known = None
            return self._reached()

    def wait_for(self, position: int) -> None:
        """Returns once every view shows the event recorded at `position` (read-your-writes)."""
        if self._known is not None and min(self._known.values()) >= position:
            return
        reached = self.catch_up(until=position)
        if reached < position:
            msg = f"read models reached {reached}, not the recorded position {position}"
            raise RuntimeError(msg)

    def rebuild(self) -> int:
        with self._lock:
            tables = [t for v in self.views for t in v.tables]
            schema.metadata.drop_all(self.engine, tables=[*tables, schema.tracking])
            self._known = None
            self.create_tables()
            return self.catch_up()

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

    def _apply_next_batch(self) -> bool:
        # Positions cached from our last commit may be behind another projector's; the
        # conditional tracking update then fails and they are read afresh.
        self._reached()
        positions = dict(self._known or {})
        start = min(positions.values())
        notifications = self.recorder.select_notifications(
            start=start, limit=self.batch_size, inclusive_of_start=False
        )
        if not notifications:
            return False
        batch = [(n.id, self.decode(n)) for n in notifications]
        last = batch[-1][0]
        with self.engine.begin() as conn:
            self._lock_tracking(conn, positions)
            for view in self.views:
                own = [(p, e) for p, e in batch if p > positions[view.name]]
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
        return True
