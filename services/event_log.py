"""The partnership's one event log: every aggregate of every area records here, in one sequence.

One log gives the audit trail a single order across learning items, case reviews and audits, and
lets a command that touches two aggregates (a review and the learning item it produces) save both
in one transaction (ADR 0007).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder

from services.errors import NotFound
from services.transcodings import DateAsISO

A = TypeVar("A", bound=Aggregate)
Recorded = Callable[[int], None]


class EventLog(Application):
    name = "learnloop"

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env=env)
        self.on_recorded: Recorded = lambda position: None

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def record(self, *aggregates: Any) -> int | None:
        """Saves the aggregates' new events atomically; returns the last log position, after
        the read models show it (the hook the composition root wires to the projector)."""
        recordings = self.save(*aggregates)
        if not recordings:
            return None
        position = max(r.notification.id for r in recordings)
        self.on_recorded(position)
        return position

    def load(self, aggregate_id: UUID, kind: type[A], what: str) -> A:
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(what, str(aggregate_id)) from None
        if not isinstance(aggregate, kind):
            raise NotFound(what, str(aggregate_id))
        return aggregate
