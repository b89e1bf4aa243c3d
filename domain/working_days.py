"""Counting days for the clocks on case reviews.

`WorkingDays` knows which dates are bank holidays; Saturdays and Sundays are never working
days. `add(start, length, unit)` answers the date a clock of `length` days from `start` falls due:
`calendar_days` counts every day, `working_days` the working days after `start` (not `start`
itself), so five working days from a Friday is the next Friday, or later if a bank holiday falls
between. The holidays come from an adapter; with none, only weekends are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from domain.framework import CALENDAR_DAYS, WORKING_DAYS

_ONE_DAY = timedelta(days=1)


class WorkingDays:
    def __init__(self, bank_holidays: Iterable[date] = ()) -> None:
        self._bank_holidays = frozenset(bank_holidays)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._bank_holidays

    def add(self, start: date, length: int, unit: str) -> date:
        """The date `length` calendar or working days after `start`."""
        if length < 0:
            raise ValueError(f"length must not be negative, got {length}")
        if unit == CALENDAR_DAYS:
            return start + timedelta(days=length)
        if unit != WORKING_DAYS:
            raise ValueError(f"unit must be {CALENDAR_DAYS} or {WORKING_DAYS}, got {unit!r}")
        day = start
        for _ in range(length):
            day += _ONE_DAY
            while not self.is_working_day(day):
                day += _ONE_DAY
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days fall after `start` up to and including `end` (0 if end <= start),
        so that `working_days_between(d, add(d, n, WORKING_DAYS)) == n`."""
        count, day = 0, start
        while day < end:
            day += _ONE_DAY
            count += self.is_working_day(day)
        return count
