"""The partnership's one event log: every aggregate of every area records here, in one sequence.

One log gives the audit trail a single order across learning items, case reviews and audits, and
lets a command that touches two aggregates (a review and the learning item it produces) save both
in one transaction (ADR 0007).
"""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder

from services.errors import NotFound
from services.transcodings import DateAsISO

A = TypeVar("A", bound=Aggregate)


class EventLog(Application):
    name = "learnloop"

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def record(self, *aggregates: Any) -> int | None:
        """Saves the aggregates' new events atomically; returns the last log position.

        The domain events go to the recorder with their stored form (`events_in_hand`, a keyword
        `save` hands to the recorder's `insert_events`), so that its post-commit hook gives them,
        with their positions, to the read models before this returns (ADR 0021)."""
        events = [e for a in aggregates if a is not None for e in a.collect_events()]
        if not events:
            return None
        recordings = self.save(*events, events_in_hand=events)
        return max(r.notification.id for r in recordings)

    def load(self, aggregate_id: UUID, kind: type[A], what: str) -> A:
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(what, str(aggregate_id)) from None
        if not isinstance(aggregate, kind):
            raise NotFound(what, str(aggregate_id))
        return aggregate
