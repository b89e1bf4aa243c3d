"""References people say (`LL-2026-0014`, `CR-2026-003`, `AUD-2026-03`) and the claims that
keep each one, and each case reference, held by one record at a time (ADR 0045).

A claim is an aggregate whose id is derived from what it claims (uuid5), so two records created
at once with the same reference both write version 1 of the same claim: the event store takes
one and refuses the other, which decides again with the next number.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, cast
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.actor import Actor
from domain.errors import RuleViolation

Numbering = Callable[[date], str]  # the next free reference for a record dated that day
_NAMESPACE = UUID("1f5a3b8e-6c1d-4e55-9f0e-2b7d4c9a8e61")
ITEM: Final = "LL"
REVIEW: Final = "CR"
AUDIT: Final = "AUD"
_WIDTH = {ITEM: 4, REVIEW: 3, AUDIT: 2}
_PATTERN = re.compile(r"(?P<prefix>LL|CR|AUD)-(?P<year>\d{4})-(?P<number>\d{2,})", re.IGNORECASE)


class Referenced:
    """A record known by a reference people say. Each such aggregate has its own
    `ReferenceAssigned` event, by which a record created before references gets one."""

    reference: str | None

    def assign_reference(self, reference: str, *, actor: Actor, now: datetime) -> None:
        """Gives a record created before references were its reference (ADR 0045)."""
        if self.reference is not None:
            raise RuleViolation(f"the record already has the reference {self.reference}")
        record = cast(Any, self)
        record.trigger_event(
            record.ReferenceAssigned, reference=reference, actor=actor.as_record(), timestamp=now
        )


@dataclass(frozen=True)
class Reference:
    """A short, stable reference: its prefix names the kind of record, then the year it counts
    in and its number in that year."""

    prefix: str
    year: int
    number: int

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}-{self.number:0{_WIDTH[self.prefix]}d}"

    @property
    def series(self) -> str:
        return f"{self.prefix}-{self.year}"

    @classmethod
    def parse(cls, text: str) -> Reference | None:
        """The reference `text` spells (any case), or None when it spells none."""
        match = _PATTERN.fullmatch(text.strip())
        if match is None:
            return None
        return cls(match["prefix"].upper(), int(match["year"]), int(match["number"]))


def claim_id(kind: str, key: str) -> UUID:
    """The claim on `key` (a reference, or a case reference) among claims of `kind`."""
    return uuid5(_NAMESPACE, f"{kind}/{key.strip().casefold()}")


REFERENCE_CLAIM: Final = "reference"
CASE_REFERENCE_CLAIM: Final = "case-reference"


def record_id(reference: str | None) -> UUID | None:
    """The id of the record a reference was given to at its creation: derived from the
    reference, so that two records created with one reference are one stream, and the store
    keeps one. (A record created before references holds its reference by a claim of the same
    id instead.)"""
    return None if reference is None else claim_id(REFERENCE_CLAIM, reference)


class Claim(Aggregate):
    """One key held by one record: a human reference (held for ever) or a case reference (freed
    when its review is withdrawn, and then open to another review)."""

    class Event(Aggregate.Event):
        actor: dict[str, str]

    class Claimed(Event, Aggregate.Created):
        kind: str
        key: str
        holder_id: str
        holder_reference: str | None

    class Released(Event):
        reason: str

        def apply(self, claim: Claim) -> None:
            claim.holder_id = None
            claim.holder_reference = None

    class Reclaimed(Event):
        holder_id: str
        holder_reference: str | None

        def apply(self, claim: Claim) -> None:
            claim.holder_id = self.holder_id
            claim.holder_reference = self.holder_reference

    def __init__(
        self,
        actor: dict[str, str],
        kind: str,
        key: str,
        holder_id: str | None,
        holder_reference: str | None,
    ) -> None:
        self.kind = kind
        self.key = key
        self.holder_id: str | None = holder_id
        self.holder_reference: str | None = holder_reference

    @classmethod
    def claim(
        cls,
        kind: str,
        key: str,
        holder_id: UUID,
        *,
        holder_reference: str | None = None,
        actor: Actor,
        now: datetime,
    ) -> Claim:
        return cls._create(
            cls.Claimed,
            id=claim_id(kind, key),
            kind=kind,
            key=key.strip(),
            holder_id=str(holder_id),
            holder_reference=holder_reference,
            actor=actor.as_record(),
            timestamp=now,
        )

    @property
    def is_held(self) -> bool:
        return self.holder_id is not None

    def reclaim(
        self, holder_id: UUID, holder_reference: str | None, *, actor: Actor, now: datetime
    ) -> None:
        if self.is_held:
            held_by = self.holder_reference or self.holder_id
            raise RuleViolation(f"{self.kind} {self.key} is already in use by {held_by}")
        self.trigger_event(
            self.Reclaimed,
            holder_id=str(holder_id),
            holder_reference=holder_reference,
            actor=actor.as_record(),
            timestamp=now,
        )

    def release(self, reason: str, *, actor: Actor, now: datetime) -> None:
        if self.is_held:
            self.trigger_event(self.Released, reason=reason, actor=actor.as_record(), timestamp=now)
