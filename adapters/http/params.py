"""Query parameters the contract defines as timestamps."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.errors import InvalidField


def parse_timestamp(value: str, field: str) -> datetime:
    """ISO 8601; a timestamp without an offset is read as UTC."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidField(field, f"'{value}' is not an ISO 8601 timestamp") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
