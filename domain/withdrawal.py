"""What withdrawing and correcting share across aggregates: the day it happened, and the
reason it needs."""

from __future__ import annotations

from datetime import date

from domain.errors import InvalidField


def reason(value: str) -> str:
    if not value.strip():
        raise InvalidField("reason", "a withdrawal or a correction gives its reason")
    return value.strip()


def day(on: date | None, today: date, earliest: date, earliest_step: str) -> date:
    """The day given (default `today`): never in the future, never before `earliest`."""
    chosen = today if on is None else on
    if chosen > today:
        raise InvalidField("on", f"{chosen.isoformat()} is in the future (today is {today})")
    if chosen < earliest:
        raise InvalidField(
            "on", f"{chosen.isoformat()} is before {earliest_step} ({earliest.isoformat()})"
        )
    return chosen
