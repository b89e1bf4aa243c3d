"""The event store's recorders: the library's own, each chaining its events (ADR 0011) and
writing through one group commit (ADR 0017), with one post-commit hook (ADR 0021).

`insert_events` is the library's public recorder method, which `Application.save` reaches with
the stored events and any keyword arguments given to `save`. Here it queues the events on the
recorder's `GroupCommit`; the leader of a batch writes it through the library's `insert_events`,
then calls `on_committed` once with every event the batch committed and its position. The domain
events come along as the `events_in_hand` keyword (`EventLog.record` passes them), so whoever
follows the log (the projector) needs neither to read back nor to decode what was just written.

The classes are chosen by the store's `APPLICATION_RECORDER_TOPIC` (database.py); `memory://`
has no such setting, so its factory is named instead (`PERSISTENCE_MODULE`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder, POPOFactory

from adapters.persistence.chained import (
    ChainedPostgresApplicationRecorder,
    ChainedSQLiteApplicationRecorder,
)
from adapters.persistence.group_commit import After, Committed, GroupCommit


class GroupCommitting(ApplicationRecorder):
    """An application recorder whose inserts go through one group commit."""

    on_committed: After

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_committed = _nobody
        # The library's recorder after this mixin (in each class below) does the inserting.
        self.group_commit = GroupCommit(super().insert_events, self._committed)  # type: ignore[safe-super]

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        events = kwargs.pop("events_in_hand", None)
        if kwargs.get("tracking") is not None or not stored_events:
            return super().insert_events(stored_events, **kwargs)  # type: ignore[safe-super]
        return self.group_commit.record(stored_events, events)

    def _committed(self, committed: Sequence[Committed]) -> None:
        self.on_committed(committed)


def _nobody(committed: Sequence[Committed]) -> None:
    """Nobody follows the log yet (the composition root sets `on_committed`)."""


class SQLiteRecorder(GroupCommitting, ChainedSQLiteApplicationRecorder):
    pass


class PostgresRecorder(GroupCommitting, ChainedPostgresApplicationRecorder):
    pass


class MemoryRecorder(GroupCommitting, POPOApplicationRecorder):
    pass


class MemoryFactory(POPOFactory):
    def application_recorder(self) -> ApplicationRecorder:
        return MemoryRecorder()
