from datetime import date, timedelta

import pytest

from domain.reporting_year import reporting_year, year_bounds, year_label


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2025, 3, 31), 2024),
        (date(2025, 4, 1), 2025),
        (date(2025, 1, 1), 2024),
        (date(2024, 12, 31), 2024),
        (date(2024, 2, 29), 2023),
        (date(2024, 4, 1), 2024),
        (date(2028, 2, 29), 2027),
    ],
)
def test_the_year_runs_from_1_april_to_31_march(day, year):
    assert reporting_year(day) == year


def test_the_bounds_are_1_april_and_the_next_31_march():
    assert year_bounds(2024) == (date(2024, 4, 1), date(2025, 3, 31))


@pytest.mark.parametrize("year", [2023, 2024, 2027, 2099])
def test_every_day_within_the_bounds_falls_in_that_year_and_none_outside(year):
    first, last = year_bounds(year)
    assert reporting_year(first - timedelta(days=1)) == year - 1
    assert reporting_year(last + timedelta(days=1)) == year + 1
    days = (last - first).days + 1
    assert {reporting_year(first + timedelta(days=n)) for n in range(days)} == {year}


def test_a_year_holding_29_february_has_366_days():
    first, last = year_bounds(2023)
    assert (last - first).days + 1 == 366
    first, last = year_bounds(2024)
    assert (last - first).days + 1 == 365


@pytest.mark.parametrize(("year", "label"), [(2024, "2024/25"), (2099, "2099/00")])
def test_the_label_names_both_calendar_years(year, label):
    assert year_label(year) == label
