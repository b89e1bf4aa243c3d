"""Group commit: the events of commands saved at the same moment go to the store in one
transaction (ADR 0017).

Each caller queues its command's stored events and waits for the writer lock. Whoever holds it
writes everything queued by then, in one transaction, and hands each caller its own positions;
callers that queued meanwhile find their events already written when they get the lock. One
transaction then carries many commands' events, so a store's commit rate stops being the limit.

If the transaction fails on a version conflict, the batch is written again command by command,
so only the command that conflicts fails (its caller retries on fresh state, or answers 412).
Any other failure fails every command of the batch: none of them was acknowledged.

After a batch, still under the lock, `after(last_position)` brings the read models up to it
once for the whole batch (read-your-writes for every caller without each projecting alone).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import structlog
from eventsourcing.persistence import IntegrityError, StoredEvent

Insert = Callable[[Sequence[StoredEvent]], Sequence[int] | None]
After = Callable[[int], None]
MAX_BATCH_EVENTS = 1000

log = structlog.get_logger(__name__)


class _Ticket:
    __slots__ = ("done", "error", "events", "positions")

    def __init__(self, events: Sequence[StoredEvent]) -> None:
        self.events = events
        self.positions: Sequence[int] = ()
        self.error: Exception | None = None
        self.done = False


class GroupCommit:
    def __init__(self, insert: Insert, after: After = lambda position: None) -> None:
        self._insert = insert
        self.after = after
        self._writer = threading.Lock()
        self._queue_lock = threading.Lock()
        self._queue: list[_Ticket] = []
        self.batches = 0  # transactions written; with `commands`, shows how much was grouped
        self.commands = 0

    def record(self, events: Sequence[StoredEvent]) -> Sequence[int]:
        """Returns the events' log positions once they are committed; raises IntegrityError
        when this command's events conflict with what is recorded."""
        ticket = _Ticket(events)
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
            size = len(batch[0].events)
            while self._queue and size + len(self._queue[0].events) <= MAX_BATCH_EVENTS:
                batch.append(self._queue.pop(0))
                size += len(batch[-1].events)
        try:
            self._write(batch)
        finally:
            for ticket in batch:
                ticket.done = True
        self.batches += 1
        self.commands += len(batch)
        last = max((p for t in batch for p in t.positions), default=0)
        if last:
            self._bring_up_to(last)

    def _write(self, batch: list[_Ticket]) -> None:
        try:
            positions = self._insert([e for t in batch for e in t.events]) or []
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
            ticket.positions = positions[start : start + len(ticket.events)]
            start += len(ticket.events)

    def _write_alone(self, ticket: _Ticket) -> None:
        try:
            ticket.positions = self._insert(ticket.events) or []
        except Exception as exc:
            ticket.error = exc

    def _bring_up_to(self, position: int) -> None:
        # Each caller still waits for the read models itself (and so sees a failure here as
        # its own); doing it once here spares every caller of the batch doing it alone.
        try:
            self.after(position)
        except Exception:
            log.exception("read models could not follow a committed batch", position=position)
