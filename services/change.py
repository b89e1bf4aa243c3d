"""The load -> decide -> save cycle every service shares.

`change` loads an aggregate, checks the actor may act on it and the client's expected version
(If-Match), lets `decide` call its commands (and create other aggregates, saved in the same
transaction), and saves. A concurrent write is retried on fresh state, unless the client named a
version: then it is the client's to resolve (412).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain.actor import Actor
from services.errors import Forbidden, VersionMismatch
from services.event_log import EventLog

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")
Clock = Callable[[], datetime]
Expected = int | frozenset[int] | None  # the version(s) a client's If-Match names; None: any
Decide = Callable[[A, datetime], tuple[T, Sequence[Aggregate]]]
RETRIES = 3


def change(
    log: EventLog,
    clock: Clock,
    load: Callable[[], A],
    expected: Expected,
    decide: Decide[A, T],
    allow: Callable[[A], None] = lambda aggregate: None,
) -> T:
    for _ in range(RETRIES):
        aggregate = load()
        allow(aggregate)
        if not matches(expected, aggregate.version):
            raise VersionMismatch(expected if expected is not None else 0, aggregate.version)
        result, others = decide(aggregate, clock())
        try:
            log.record(*others, aggregate)
        except IntegrityError:
            if expected is not None:
                raise VersionMismatch(expected, load().version) from None
            continue
        return result
    raise VersionMismatch(aggregate.version, load().version)


def only(result: T) -> tuple[T, Sequence[Aggregate]]:
    """For a decision that changes nothing but the loaded aggregate."""
    return result, ()


def matches(expected: Expected, version: int) -> bool:
    if expected is None:
        return True
    return version in expected if isinstance(expected, frozenset) else version == expected


def forbidden(actor: Actor, verb: str, subgroup: Any) -> Forbidden:
    article = "an" if actor.role[0] in "aeiou" else "a"
    return Forbidden(f"{article} {actor.role} may not {verb} {subgroup}")
