"""What withdrawing and correcting share across aggregates: the day it happened, and the
reason it needs."""

from __future__ import annotations

from datetime import date, datetime

from domain.dates import step_date
from domain.errors import InvalidField


def reason(value: str) -> str:
    if not value.strip():
        raise InvalidField("reason", "a withdrawal or a correction gives its reason")
    return value.strip()


def day(on: date | None, now: datetime, timezone: str, earliest: date, earliest_step: str) -> date:
    """The day a withdrawal or correction happened (default today): the rule of every step's
    day (`domain.dates.step_date`), never before the record's first date."""
    return step_date(on, now, timezone, after=[(earliest, earliest_step)])
