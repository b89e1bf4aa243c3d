"""The event log's hash chain: how a link is computed, and the verifier that recomputes it.

Every recorded event has a row in `event_chain` (written by the recorders in `chained.py`, in
the transaction that inserts the event): hash = SHA-256(previous hash || the stored record), the
previous hash being the chain's latest row (genesis: 32 zero bytes). The verifier walks the
events and the chain rows in position order, recomputes each link and names the first position
where they disagree; a digest `POSITION:HASH` saved earlier also catches a truncated or
rolled-back tail, which a chain alone cannot (ADR 0011).

A gap in the positions is not itself a fault (PostgreSQL's sequence skips the numbers of a
rolled-back insert); a deleted row shows up as the next link's mismatch, or as a chain row
without its event.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

GENESIS = bytes(32)
CHAIN_TABLE = "event_chain"
_DOMAIN = b"learnloop.event-chain.v1"
PAGE = 500


def link(
    previous: bytes,
    position: int,
    originator_id: UUID | str,
    originator_version: int,
    topic: str,
    state: bytes,
) -> bytes:
    """The chain hash of one stored record, following the record whose hash is `previous`."""
    digest = hashlib.sha256(_DOMAIN)
    digest.update(previous)
    digest.update(struct.pack(">qq", position, originator_version))
    ident = originator_id.hex if isinstance(originator_id, UUID) else str(originator_id)
    for field in (ident.encode(), topic.encode(), bytes(state)):
        digest.update(struct.pack(">Q", len(field)))
        digest.update(field)
    return digest.digest()


@runtime_checkable
class ChainedRecorder(Protocol):
    """What the verifier needs of a recorder beyond `select_notifications`."""

    def select_chain(self, after: int, stop: int, limit: int) -> Sequence[tuple[int, bytes]]: ...

    def chain_head(self) -> tuple[int, bytes] | None: ...


@dataclass(frozen=True)
class Digest:
    position: int
    head_hash: bytes

    def __str__(self) -> str:
        return f"{self.position}:{self.head_hash.hex()}"

    @classmethod
    def parse(cls, text: str) -> Digest:
        """`POSITION:HEXHASH`, as `str(digest)` writes it."""
        position, sep, hex_hash = text.strip().partition(":")
        try:
            head_hash = bytes.fromhex(hex_hash)
            number = int(position)
        except ValueError:
            head_hash, number = b"", -1
        if not sep or number < 0 or len(head_hash) != len(GENESIS):
            msg = f"a digest is POSITION:HEXHASH (64 hex digits), not {text!r}"
            raise ValueError(msg)
        return cls(number, head_hash)


@dataclass(frozen=True)
class Fault:
    position: int
    reason: str


@dataclass(frozen=True)
class Verdict:
    head: Digest
    checked: int
    fault: Fault | None
    chained: bool

    @property
    def intact(self) -> bool:
        return self.fault is None


def head_digest(recorder: Any) -> Digest:
    """The latest link: what an inspector saves to check the log against later."""
    if isinstance(recorder, ChainedRecorder):
        head = recorder.chain_head()
        return Digest(*head) if head else Digest(0, GENESIS)
    return verify(recorder).head


def verify(recorder: Any, digest: Digest | None = None, page: int = PAGE) -> Verdict:
    """Recomputes the chain over the whole log; the verdict names the first bad position.

    A recorder that keeps no chain (memory://) is walked and hashed all the same, so its digest
    is comparable, but only a saved digest can find anything wrong with it."""
    chained = isinstance(recorder, ChainedRecorder)
    # The chain's head first: a write committed in between only raises the events' maximum.
    chain_top = (recorder.chain_head() or (0, GENESIS))[0] if chained else 0
    stop = max(chain_top, recorder.max_notification_id() or 0)
    events = _events(recorder, stop, page)
    links = _chain_rows(recorder, stop, page) if chained else None
    previous, head, checked = GENESIS, 0, 0
    event = next(events, None)
    row = next(links, None) if links is not None else None
    fault: Fault | None = None
    while event is not None or row is not None:
        if links is not None and (row is None or (event is not None and event.id < row[0])):
            assert event is not None
            fault = Fault(event.id, "event has no chain row (forged or renumbered event)")
            break
        if event is None or (row is not None and row[0] < event.id):
            assert row is not None
            fault = Fault(row[0], "chain row has no event (deleted or renumbered event)")
            break
        if digest is not None and head < digest.position < event.id:
            fault = Fault(digest.position, "the saved digest's position is no longer in the log")
            break
        expected = link(
            previous,
            event.id,
            event.originator_id,
            event.originator_version,
            event.topic,
            event.state,
        )
        if row is not None and row[1] != expected:
            fault = Fault(event.id, "hash mismatch (record altered, moved or replayed)")
            break
        if digest is not None and event.id == digest.position and expected != digest.head_hash:
            fault = Fault(event.id, "differs from the saved digest (history rewritten)")
            break
        previous, head, checked = expected, event.id, checked + 1
        event = next(events, None)
        row = next(links, None) if links is not None else None
    if fault is None and digest is not None and digest.position > head:
        fault = Fault(
            head + 1,
            f"tail truncated or rolled back: the saved digest names position "
            f"{digest.position}, the log ends at {head}",
        )
    return Verdict(Digest(head, previous), checked, fault, chained)


def _events(recorder: Any, stop: int, page: int) -> Iterator[Any]:
    start = 1
    while start <= stop:
        batch = recorder.select_notifications(start, page, stop=stop)
        if not batch:
            return
        yield from batch
        start = batch[-1].id + 1


def _chain_rows(recorder: ChainedRecorder, stop: int, page: int) -> Iterator[tuple[int, bytes]]:
    after = -(2**62)
    while True:
        batch = recorder.select_chain(after, stop, page)
        if not batch:
            return
        yield from batch
        after = batch[-1][0]
