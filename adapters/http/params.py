"""Query parameters the contract defines as timestamps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import Query

from domain.errors import InvalidField
from services.errors import NotFound

MAX_POSITION = 2**63 - 1  # the event log's positions are 64-bit integers
# A text filter holds no control character (a NUL is refused by PostgreSQL's text type, so both
# stores answer 422 alike, before any query).
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


def has_control_characters(value: str) -> bool:
    return any(ord(c) < 0x20 or ord(c) == 0x7F for c in value)


def parse_timestamp(value: str, field: str) -> datetime:
    """ISO 8601; a timestamp without an offset is read as UTC."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidField(field, f"'{value}' is not an ISO 8601 timestamp") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_id(value: str, what: str) -> UUID:
    """A resource id from a path; anything that is not a UUID names no resource (404)."""
    try:
        return UUID(value)
    except ValueError:
        raise NotFound(what, value) from None


AsOf = Annotated[
    str | None, Query(description="ISO 8601 timestamp: the resource as recorded by then")
]


def as_of_moment(value: str | None) -> datetime | None:
    return parse_timestamp(value, "as_of") if value is not None else None


def stood(doc: dict[str, object], moment: datetime | None) -> dict[str, object]:
    """A document read `as_of` says so."""
    return doc if moment is None else {**doc, "as_of": moment.isoformat()}
