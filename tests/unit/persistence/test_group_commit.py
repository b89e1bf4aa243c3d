"""Group commit: commands that arrive together share one transaction; a conflict fails only the
command that conflicts; a failed transaction acknowledges nobody; the read models hear of each
batch once, with its events and their positions. The store here is a list, so each transaction
can be seen and held open."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from adapters.persistence.group_commit import Committed, GroupCommit, ReadModelsBehind


def event(stream: uuid.UUID, version: int) -> StoredEvent:
    return StoredEvent(stream, version, "test:Event", b"{}")


class Store:
    """Unique (stream, version), like the real recorders; `hold` keeps the next transaction
    open until released, so other callers queue behind it."""

    def __init__(self) -> None:
        self.rows: list[StoredEvent] = []
        self.transactions: list[int] = []
        self.hold = threading.Event()
        self.held = threading.Event()
        self.hold.set()
        self.fail_sizes: dict[int, Exception] = {}  # a transaction of that many events fails

    def insert(self, events: Sequence[StoredEvent]) -> list[int]:
        self.held.set()
        self.hold.wait(timeout=10)
        if len(events) in self.fail_sizes:
            raise self.fail_sizes[len(events)]
        keys = {(e.originator_id, e.originator_version) for e in self.rows}
        new = [(e.originator_id, e.originator_version) for e in events]
        if len(set(new)) != len(new) or keys & set(new):
            raise IntegrityError("duplicate version")
        self.rows.extend(events)
        self.transactions.append(len(events))
        return list(range(len(self.rows) - len(events) + 1, len(self.rows) + 1))


def run(commit: GroupCommit, events: Sequence[StoredEvent]) -> dict[str, object]:
    outcome: dict[str, object] = {}

    def go() -> None:
        try:
            outcome["positions"] = commit.record(events)
        except Exception as exc:  # the test reads it
            outcome["error"] = exc

    thread = threading.Thread(target=go)
    thread.start()
    outcome["thread"] = thread
    return outcome


def queued(commit: GroupCommit, n: int) -> None:
    """Waits until `n` callers are queued behind the open transaction (no wall-clock sleep)."""
    for _ in range(100_000):
        with commit._queue_lock:
            if len(commit._queue) >= n:
                return
    raise AssertionError(f"{n} callers never queued")


def held_open(store: Store, commit: GroupCommit) -> dict[str, object]:
    """Starts a first command whose transaction stays open until `store.hold` is set."""
    store.hold.clear()
    store.held.clear()
    first = run(commit, [event(uuid.uuid4(), 1)])
    assert store.held.wait(timeout=10)
    return first


def finish(*outcomes: dict[str, object]) -> None:
    for outcome in outcomes:
        thread = outcome["thread"]
        assert isinstance(thread, threading.Thread)
        thread.join(timeout=10)
        assert not thread.is_alive()


def test_commands_that_arrive_together_share_one_transaction() -> None:
    store = Store()
    commit = GroupCommit(store.insert)
    first = held_open(store, commit)
    others = [run(commit, [event(uuid.uuid4(), 1), event(uuid.uuid4(), 1)]) for _ in range(5)]
    queued(commit, 5)
    store.hold.set()
    finish(first, *others)

    assert store.transactions == [1, 10]
    positions = [o["positions"] for o in others]
    assert sorted(p for ps in positions for p in ps) == list(range(2, 12))  # type: ignore[attr-defined]
    assert all(len(ps) == 2 and ps[1] == ps[0] + 1 for ps in positions)  # type: ignore[arg-type,index]
    assert (commit.batches, commit.commands) == (2, 6)


def test_a_conflict_fails_only_the_command_that_conflicts() -> None:
    store = Store()
    commit = GroupCommit(store.insert)
    stream = uuid.uuid4()
    first = held_open(store, commit)
    winner = run(commit, [event(stream, 1)])
    queued(commit, 1)
    loser = run(commit, [event(stream, 1)])
    bystander = run(commit, [event(uuid.uuid4(), 1)])
    queued(commit, 3)
    store.hold.set()
    finish(first, winner, loser, bystander)

    assert isinstance(loser.get("error"), IntegrityError)
    assert "error" not in winner and "error" not in bystander
    assert len(store.rows) == 3
    assert [r.originator_id for r in store.rows].count(stream) == 1


def test_a_failed_transaction_acknowledges_none_of_its_commands() -> None:
    store = Store()
    commit = GroupCommit(store.insert)
    first = held_open(store, commit)
    batch = [run(commit, [event(uuid.uuid4(), 1)]) for _ in range(3)]
    queued(commit, 3)
    store.fail_sizes[3] = OSError("disk full")
    store.hold.set()
    finish(first, *batch)

    assert all(isinstance(o.get("error"), OSError) for o in batch)
    assert len(store.rows) == 1


def test_the_read_models_hear_of_each_batch_once_with_its_events_and_positions() -> None:
    store = Store()
    heard: list[list[Committed]] = []
    commit = GroupCommit(store.insert, after=lambda committed: heard.append(list(committed)))
    first = held_open(store, commit)
    others = [run(commit, [event(uuid.uuid4(), 1)]) for _ in range(4)]
    queued(commit, 4)
    store.hold.set()
    finish(first, *others)

    assert [[c.position for c in batch] for batch in heard] == [[1], [2, 3, 4, 5]]
    assert all(c.event is None for batch in heard for c in batch)  # no domain events handed

    domain_events = ["first", "second"]
    assert commit.record([event(uuid.uuid4(), 1), event(uuid.uuid4(), 1)], domain_events) == [6, 7]
    assert heard[-1] == [Committed(6, "first"), Committed(7, "second")]


def test_a_batch_that_conflicts_hands_over_only_what_was_committed() -> None:
    store = Store()
    heard: list[list[Committed]] = []
    commit = GroupCommit(store.insert, after=lambda committed: heard.append(list(committed)))
    stream = uuid.uuid4()
    first = held_open(store, commit)
    winner = run(commit, [event(stream, 1)])
    queued(commit, 1)
    loser = run(commit, [event(stream, 1)])
    queued(commit, 2)
    store.hold.set()
    finish(first, winner, loser)

    assert isinstance(loser.get("error"), IntegrityError)
    assert [[c.position for c in batch] for batch in heard] == [[1], [2]]


def test_read_models_that_cannot_follow_fail_each_command_of_the_batch_after_its_commit() -> None:
    """The events are committed; every caller of the batch learns that its write is not yet
    readable (the API answers 500), none of them silently."""
    store = Store()

    def broken(committed: Sequence[Committed]) -> None:
        raise RuntimeError("view table missing")

    commit = GroupCommit(store.insert, after=broken)
    first = held_open(store, commit)
    batch = [run(commit, [event(uuid.uuid4(), 1)]) for _ in range(2)]
    queued(commit, 2)
    store.hold.set()
    finish(first, *batch)

    assert all(isinstance(o.get("error"), ReadModelsBehind) for o in (first, *batch))
    assert len(store.rows) == 3


@pytest.mark.parametrize("size", [1, 3])
def test_a_lone_command_is_written_at_once(size: int) -> None:
    store = Store()
    commit = GroupCommit(store.insert)
    assert commit.record([event(uuid.uuid4(), 1) for _ in range(size)]) == list(range(1, size + 1))
    assert store.transactions == [size]
