"""Group commit: the events of commands saved at the same moment go to the store in one
transaction (ADR 0017), at the recorder (ADR 0021).

Each caller queues its command's stored events (and the domain events they encode, when it has
them) and waits for the writer lock. Whoever holds it writes everything queued by then, in one
transaction, and hands each caller its own positions; callers that queued meanwhile find their
events already written when they get the lock. One transaction then carries many commands'
events, so a store's commit rate stops being the limit.

If the transaction fails on a version conflict, the batch is written again command by command,
so only the command that conflicts fails (its caller retries on fresh state, or answers 412).
Any other failure fails every command of the batch: none of them was acknowledged.

After a batch commits, still under the lock, `after(committed)` hears of every event the batch
committed with its position, once: the read models follow from the events in hand, and on
SQLite their writes never race the event store's for the lock. If it fails, every command of the
batch fails with `ReadModelsBehind`: its events are durable, its read-your-writes is not kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import structlog
from eventsourcing.persistence import IntegrityError, StoredEvent

MAX_BATCH_EVENTS = 1000

log = structlog.get_logger(__name__)


class Committed(NamedTuple):
    """An event the store has committed, at its log position; `event` is the domain event when
    the caller handed it over (`EventLog.record` always does), else None."""

    position: int
    event: Any


Insert = Callable[[Sequence[StoredEvent]], Sequence[int] | None]
After = Callable[[Sequence[Committed]], None]


class ReadModelsBehind(RuntimeError):
    """The command's events are committed, but the read models could not follow them."""


class _Ticket:
    __slots__ = ("done", "error", "events", "positions", "stored")

    def __init__(self, stored: Sequence[StoredEvent], events: Sequence[Any] | None) -> None:
        self.stored = stored
        self.events = events
        self.positions: Sequence[int] = ()
        self.error: Exception | None = None
        self.done = False

    def committed(self) -> list[Committed]:
        if self.error is not None:
            return []
        events = self.events if self.events is not None else [None] * len(self.positions)
        return [Committed(p, e) for p, e in zip(self.positions, events, strict=True)]


class GroupCommit:
    def __init__(self, insert: Insert, after: After = lambda committed: None) -> None:
        self._insert = insert
        self.after = after
        self._writer = threading.Lock()
        self._queue_lock = threading.Lock()
        self._queue: list[_Ticket] = []
        self.batches = 0  # transactions written; with `commands`, shows how much was grouped
        self.commands = 0

    def record(
        self, stored: Sequence[StoredEvent], events: Sequence[Any] | None = None
    ) -> Sequence[int]:
        """Returns the events' log positions once they are committed and the read models have
        followed; raises IntegrityError when this command's events conflict with what is
        recorded. `events`: the domain events `stored` encodes, in the same order."""
        if events is not None and len(events) != len(stored):
            raise ValueError("one domain event for each stored event, or none")
        ticket = _Ticket(stored, events)
        with self._queue_lock:
            self._queue.append(ticket)
        with self._writer:
            while not ticket.done:
                self._write_next_batch()
        if ticket.error is not None:
            raise ticket.error
        return ticket.positions

    def _write_next_batch(self) -> None:
        with self._queue_lock:
            batch = [self._queue.pop(0)]
            size = len(batch[0].stored)
            while self._queue and size + len(self._queue[0].stored) <= MAX_BATCH_EVENTS:
                batch.append(self._queue.pop(0))
                size += len(batch[-1].stored)
        try:
            self._write(batch)
        finally:
            for ticket in batch:
                ticket.done = True
        self.batches += 1
        self.commands += len(batch)
        committed = [c for t in batch for c in t.committed()]
        if committed:
            self._follow(batch, committed)

    def _write(self, batch: list[_Ticket]) -> None:
        try:
            positions = self._insert([e for t in batch for e in t.stored]) or []
        except IntegrityError as exc:
            if len(batch) == 1:
                batch[0].error = exc
                return
            for ticket in batch:
                self._write_alone(ticket)
            return
        except Exception as exc:
            for ticket in batch:
                ticket.error = exc
            return
        start = 0
        for ticket in batch:
            ticket.positions = positions[start : start + len(ticket.stored)]
            start += len(ticket.stored)

    def _write_alone(self, ticket: _Ticket) -> None:
        try:
            ticket.positions = self._insert(ticket.stored) or []
        except Exception as exc:
            ticket.error = exc

    def _follow(self, batch: list[_Ticket], committed: list[Committed]) -> None:
        # The callers are still waiting for the writer lock this thread holds: an error set
        # now is the one each of them raises.
        try:
            self.after(committed)
        except Exception as exc:
            last = committed[-1].position
            log.exception("read models could not follow a committed batch", position=last)
            for ticket in batch:
                if ticket.error is None:
                    error = ReadModelsBehind(f"committed at {list(ticket.positions)}: {exc!r}")
                    error.__cause__ = exc
                    ticket.error = error
