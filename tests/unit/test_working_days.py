"""Working days skip weekends and England and Wales bank holidays; calendar days skip nothing."""

from datetime import date, timedelta

import pytest

from adapters.bank_holidays import england_and_wales
from domain.framework import CALENDAR_DAYS, WORKING_DAYS
from domain.working_days import WorkingDays


@pytest.fixture(scope="module")
def working_days() -> WorkingDays:
    return england_and_wales()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        pytest.param(date(2026, 12, 24), True, id="christmas-eve-thursday"),
        pytest.param(date(2026, 12, 25), False, id="christmas-day-friday"),
        pytest.param(date(2026, 12, 26), False, id="boxing-day-saturday"),
        pytest.param(date(2026, 12, 28), False, id="boxing-day-substitute-monday"),
        pytest.param(date(2026, 12, 29), True, id="tuesday-after-christmas"),
        pytest.param(date(2026, 1, 1), False, id="new-years-day-2026"),
        pytest.param(date(2027, 1, 1), False, id="new-years-day-2027"),
        pytest.param(date(2026, 4, 3), False, id="good-friday-2026"),
        pytest.param(date(2026, 4, 6), False, id="easter-monday-2026"),
        pytest.param(date(2026, 4, 2), True, id="maundy-thursday-2026"),
        pytest.param(date(2026, 5, 4), False, id="early-may-2026"),
        pytest.param(date(2027, 12, 27), False, id="christmas-substitute-2027"),
        pytest.param(date(2027, 12, 28), False, id="boxing-day-substitute-2027"),
        pytest.param(date(2023, 5, 8), False, id="coronation-2023"),
        pytest.param(date(2026, 1, 10), False, id="saturday"),
        pytest.param(date(2026, 1, 11), False, id="sunday"),
        pytest.param(date(2026, 1, 12), True, id="monday"),
    ],
)
def test_england_and_wales_working_days(working_days: WorkingDays, day: date, working: bool):
    assert working_days.is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "length", "due"),
    [
        # Fri 9 Jan 2026 + 5: Mon 12 .. Fri 16.
        pytest.param(date(2026, 1, 9), 5, date(2026, 1, 16), id="over-a-weekend"),
        pytest.param(date(2026, 1, 12), 4, date(2026, 1, 16), id="within-a-week"),
        # Starting on a weekend counts from the Monday.
        pytest.param(date(2026, 1, 10), 1, date(2026, 1, 12), id="from-a-saturday"),
        pytest.param(date(2026, 1, 11), 5, date(2026, 1, 16), id="from-a-sunday"),
        # Tue 22 Dec 2026: Wed 23 (1), Thu 24 (2), [Fri 25, Sat 26, Sun 27, Mon 28 substitute
        # for Boxing Day], Tue 29 (3), Wed 30 (4), Thu 31 (5).
        pytest.param(date(2026, 12, 22), 5, date(2026, 12, 31), id="across-christmas-2026"),
        # Starting on Christmas Day itself: Tue 29 (1), Wed 30 (2), Thu 31 (3), [Fri 1 Jan
        # 2027], Mon 4 (4), Tue 5 (5).
        pytest.param(date(2026, 12, 25), 5, date(2027, 1, 5), id="from-christmas-day"),
        # Thu 31 Dec 2026: [Fri 1 Jan 2027, weekend], Mon 4 Jan (1).
        pytest.param(date(2026, 12, 31), 1, date(2027, 1, 4), id="across-new-year-2027"),
        # Wed 24 Dec 2025: [Thu 25, Fri 26, weekend], Mon 29 (1), Tue 30 (2), Wed 31 (3),
        # [Thu 1 Jan 2026], Fri 2 (4), Mon 5 (5).
        pytest.param(date(2025, 12, 24), 5, date(2026, 1, 5), id="across-new-year-2026"),
        # Thu 2 Apr 2026: [Good Friday 3, weekend, Easter Monday 6], Tue 7 (1).
        pytest.param(date(2026, 4, 2), 1, date(2026, 4, 7), id="across-easter-2026"),
        # Wed 1 Apr 2026: Thu 2 (1), [3-6], Tue 7 (2), Wed 8 (3), Thu 9 (4), Fri 10 (5).
        pytest.param(date(2026, 4, 1), 5, date(2026, 4, 10), id="five-across-easter-2026"),
        # A rapid review notified on Mon 23 Mar 2026: 8 working days to Thu 2 Apr, then Tue 7
        # to Wed 15 Apr for the other 7.
        pytest.param(date(2026, 3, 23), 15, date(2026, 4, 15), id="rapid-review-over-easter"),
        pytest.param(date(2026, 12, 22), 0, date(2026, 12, 22), id="zero-days"),
    ],
)
def test_working_days_after_a_date(working_days: WorkingDays, start, length, due) -> None:
    assert working_days.add(start, length, WORKING_DAYS) == due
    assert working_days.working_days_between(start, due) == length


@pytest.mark.parametrize(
    ("start", "length", "due"),
    [
        pytest.param(date(2026, 12, 22), 5, date(2026, 12, 27), id="christmas-2026"),
        pytest.param(date(2026, 4, 2), 1, date(2026, 4, 3), id="onto-good-friday"),
        pytest.param(date(2026, 1, 10), 30, date(2026, 2, 9), id="from-a-saturday"),
        pytest.param(date(2026, 3, 2), 182, date(2026, 8, 31), id="six-months"),
    ],
)
def test_calendar_days_ignore_weekends_and_holidays(working_days, start, length, due) -> None:
    assert working_days.add(start, length, CALENDAR_DAYS) == due


def test_without_bank_holidays_only_weekends_are_skipped() -> None:
    plain = WorkingDays()
    assert plain.add(date(2026, 12, 22), 5, WORKING_DAYS) == date(2026, 12, 29)
    assert plain.add(date(2026, 3, 23), 15, WORKING_DAYS) == date(2026, 4, 13)
    assert plain.is_working_day(date(2026, 12, 25))


def test_working_days_take_any_holidays_they_are_given() -> None:
    local = WorkingDays([date(2026, 6, 1)])
    assert not local.is_working_day(date(2026, 6, 1))
    assert local.add(date(2026, 5, 29), 1, WORKING_DAYS) == date(2026, 6, 2)


def test_working_days_between_counts_the_days_after_start(working_days) -> None:
    assert working_days.working_days_between(date(2026, 12, 24), date(2026, 12, 24)) == 0
    assert working_days.working_days_between(date(2026, 12, 31), date(2026, 12, 22)) == 0
    assert working_days.working_days_between(date(2026, 12, 24), date(2026, 12, 28)) == 0
    assert working_days.working_days_between(date(2026, 12, 24), date(2026, 12, 29)) == 1


def test_add_and_working_days_between_agree_through_2026(working_days) -> None:
    start = date(2026, 1, 1)
    for offset in range(365):
        day = start + timedelta(days=offset)
        for length in (1, 5, 15):
            due = working_days.add(day, length, WORKING_DAYS)
            assert working_days.is_working_day(due)
            assert working_days.working_days_between(day, due) == length


@pytest.mark.parametrize(
    ("length", "unit"),
    [pytest.param(1, "weeks", id="unknown-unit"), pytest.param(-1, WORKING_DAYS, id="negative")],
)
def test_a_bad_length_or_unit_is_refused(working_days, length: int, unit: str) -> None:
    with pytest.raises(ValueError):
        working_days.add(date(2026, 1, 5), length, unit)
