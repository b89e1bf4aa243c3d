"""England and Wales's bank holidays, from the `holidays` package, as the working days they leave.

England's bank holidays are also Wales's (Scotland and Northern Ireland differ); `holidays`
includes the substitute days when a holiday falls at a weekend (Boxing Day 2026 is observed on
Monday 28 December) and one-off holidays such as the coronation. Dates outside the years asked
for are treated as having no bank holidays, so the default range runs well past any live clock.
"""

from __future__ import annotations

from functools import cache

import holidays

from domain.working_days import WorkingDays


@cache  # WorkingDays is immutable; building the calendar costs 30 ms
def england_and_wales(first_year: int = 2000, last_year: int = 2060) -> WorkingDays:
    bank_holidays = holidays.country_holidays(
        "GB", subdiv="ENG", years=range(first_year, last_year + 1)
    )
    return WorkingDays(bank_holidays.keys())
