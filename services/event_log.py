"""The partnership's one event log: every aggregate of every area records here, in one sequence.

One log gives the audit trail a single order across learning items, case reviews and audits, and
lets a command that touches two aggregates (a review and the learning item it produces) save both
in one transaction (ADR 0007).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder, Notification, Recording

from services.errors import NotFound
from services.group_commit import GroupCommit
from services.transcodings import DateAsISO

A = TypeVar("A", bound=Aggregate)
Recorded = Callable[[int], None]


class EventLog(Application):
    name = "learnloop"

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env=env)
        self.on_recorded: Recorded = lambda position: None
        self.group_commit = GroupCommit(self.recorder.insert_events, self._bring_up_to)

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

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        """Every save goes through the group commit (ADR 0017): one transaction for the
        commands that arrive together, each still acknowledged only once it is committed."""
        assert processing_event.tracking is None and not processing_event.saved_kwargs
        events = processing_event.events
        stored = [self.mapper.to_stored_event(e) for e in events]
        positions = self.group_commit.record(stored) if stored else ()
        return [
            Recording(
                e,
                Notification(
                    originator_id=s.originator_id,
                    originator_version=s.originator_version,
                    topic=s.topic,
                    state=s.state,
                    id=p,
                ),
            )
            for e, s, p in zip(events, stored, positions, strict=True)
        ]

    def _bring_up_to(self, position: int) -> None:
        self.on_recorded(position)

    def load(self, aggregate_id: UUID, kind: type[A], what: str) -> A:
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(what, str(aggregate_id)) from None
        if not isinstance(aggregate, kind):
            raise NotFound(what, str(aggregate_id))
        return aggregate
