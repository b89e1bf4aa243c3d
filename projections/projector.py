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
        self._lock = threading.Lock()

    def create_tables(self) -> None:
        schema.metadata.create_all(self.engine)
        with self.engine.begin() as conn:
            known = set(conn.execute(sa.select(schema.tracking.c.view)).scalars())
            missing = [{"view": v.name, "position": 0} for v in self.views if v.name not in known]
            if missing:
                conn.execute(sa.insert(schema.tracking), missing)

    def positions(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = dict(
                conn.execute(sa.select(schema.tracking.c.view, schema.tracking.c.position)).all()
            )
        return {v.name: rows.get(v.name, 0) for v in self.views}

    def catch_up(self) -> int:
        """Applies all that is recorded; returns the lowest position every view has reached."""
        with self._lock:
            while True:
                try:
                    if not self._apply_next_batch():
                        return min(self.positions().values())
                except StaleTracking:
                    continue

    def wait_for(self, position: int) -> None:
        """Returns once every view shows the event recorded at `position` (read-your-writes)."""
        reached = self.catch_up()
        if reached < position:
            msg = f"read models reached {reached}, not the recorded position {position}"
            raise RuntimeError(msg)

    def rebuild(self) -> int:
        with self._lock:
            tables = [t for v in self.views for t in v.tables]
            schema.metadata.drop_all(self.engine, tables=[*tables, schema.tracking])
        self.create_tables()
        return self.catch_up()

    def _apply_next_batch(self) -> bool:
        positions = self.positions()
        start = min(positions.values())
        notifications = self.recorder.select_notifications(
            start=start, limit=self.batch_size, inclusive_of_start=False
        )
        if not notifications:
            return False
        batch = [(n.id, self.decode(n)) for n in notifications]
        last = batch[-1][0]
        with self.engine.begin() as conn:
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
        return True
