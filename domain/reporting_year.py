"""The partnership's reporting year: 1 April to 31 March, named by the year it starts in.

The Board plans its audits and writes its annual report by this year, so 31 March 2025 belongs to
2024 (reported as 2024/25) and 1 April 2025 to 2025.
"""

from __future__ import annotations

from datetime import date

_STARTS = (4, 1)  # 1 April


def reporting_year(day: date) -> int:
    """The YYYY of the reporting year 1 April YYYY to 31 March YYYY+1 that holds `day`."""
    return day.year if (day.month, day.day) >= _STARTS else day.year - 1


def year_bounds(year: int) -> tuple[date, date]:
    """The first and last days of reporting year `year`, both inclusive."""
    return date(year, *_STARTS), date(year + 1, 3, 31)


def year_label(year: int) -> str:
    """`2024` -> `2024/25`, as annual reports name the year."""
    return f"{year}/{(year + 1) % 100:02d}"
