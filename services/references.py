"""References people say: the next free number of a series, and a reference (or an id) in a
URL resolved to the record's id (ADR 0045).

A record created with a reference has the id derived from it (`domain.reference.record_id`); a
record created before references holds its reference by a claim of that same id. Numbers in a
series are taken in order with no gaps, so the next free number is found by galloping then
bisecting on whether a stream of that id exists: a few one-event reads, whatever the size of
the year. A process remembers the last number it saw
taken; a stale memory only costs another read or a retry, never a duplicate.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

from domain.reference import REFERENCE_CLAIM, Claim, Numbering, Reference, claim_id
from services.errors import NotFound
from services.event_log import EventLog

# Writers racing for the next number of one series each lose at most once per winner.
REFERENCE_RETRIES = 10


class References:
    def __init__(self, log: EventLog) -> None:
        self.log = log
        self._taken: dict[str, int] = {}

    def numbering(self, prefix: str, year_of: Callable[[date], int]) -> Numbering:
        """The next free reference of `prefix` for a record dated `day`, in `year_of(day)`."""

        def next_reference(day: date) -> str:
            year = year_of(day)
            return str(Reference(prefix, year, self.next_number(prefix, year)))

        return next_reference

    def batch_numbering(self, prefix: str, year_of: Callable[[date], int]) -> Numbering:
        """Numbering for records decided together and saved in one transaction: the next free
        number of each series, then the ones after it, in the order they are asked for."""
        handed: dict[int, int] = {}

        def next_reference(day: date) -> str:
            year = year_of(day)
            number = handed[year] + 1 if year in handed else self.next_number(prefix, year)
            handed[year] = number
            return str(Reference(prefix, year, number))

        return next_reference

    def next_number(self, prefix: str, year: int) -> int:
        series = f"{prefix}-{year}"
        low = self._taken.get(series, 0)  # taken (or 0: none known)
        step, high = 1, low + 1
        while self._exists(prefix, year, high):
            low, step = high, step * 2
            high = low + step
        while high - low > 1:
            middle = (low + high) // 2
            if self._exists(prefix, year, middle):
                low = middle
            else:
                high = middle
        self._taken[series] = low
        return high

    def resolve(self, text: str, prefix: str, what: str) -> UUID:
        """The id `text` names: an id itself, or a reference of `prefix`; else NotFound."""
        try:
            return UUID(text)
        except ValueError:
            pass
        reference = Reference.parse(text)
        if reference is None or reference.prefix != prefix:
            raise NotFound(what, text)
        record_id = claim_id(REFERENCE_CLAIM, str(reference))
        first = list(self.log.events.get(record_id, limit=1))
        if not first:
            raise NotFound(what, text)
        if isinstance(first[0], Claim.Claimed):  # a record created before references
            return UUID(first[0].holder_id)
        return record_id

    def holder(self, kind: str, key: str) -> UUID | None:
        try:
            claim = self.log.load(claim_id(kind, key), Claim, "claim")
        except NotFound:
            return None
        return UUID(claim.holder_id) if claim.holder_id is not None else None

    def _exists(self, prefix: str, year: int, number: int) -> bool:
        key = str(Reference(prefix, year, number))
        return bool(list(self.log.events.get(claim_id(REFERENCE_CLAIM, key), limit=1)))
