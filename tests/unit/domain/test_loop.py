from datetime import UTC, date, datetime, timedelta

import pytest

from domain import loop
from domain.loop import (
    AMBER,
    AT_RISK,
    CLOSED,
    COMPLETE,
    EFFECTIVENESS,
    GREEN,
    IDENTIFICATION,
    IMPROVEMENT,
    NOT_STARTED,
    OFF_TRACK,
    ON_TRACK,
    RED,
)

TODAY = date(2024, 6, 3)


@pytest.mark.parametrize(
    ("closed", "statuses", "expected"),
    [
        (False, [], IDENTIFICATION),
        (False, [NOT_STARTED], IMPROVEMENT),
        (False, [COMPLETE, ON_TRACK], IMPROVEMENT),
        (False, [COMPLETE, OFF_TRACK], IMPROVEMENT),
        (False, [COMPLETE], EFFECTIVENESS),
        (False, [COMPLETE, COMPLETE], EFFECTIVENESS),
        (True, [], CLOSED),
        (True, [ON_TRACK], CLOSED),
        (True, [COMPLETE], CLOSED),
    ],
)
def test_the_stage_is_derived_from_closure_and_action_statuses(closed, statuses, expected):
    assert loop.stage(closed, iter(statuses)) == expected


@pytest.mark.parametrize(
    ("status", "days_to_due", "expected"),
    [
        (COMPLETE, -30, COMPLETE),
        (COMPLETE, 30, COMPLETE),
        (OFF_TRACK, 30, RED),
        (ON_TRACK, -1, RED),
        (NOT_STARTED, -1, RED),
        (AT_RISK, -1, RED),
        (AT_RISK, 30, AMBER),
        (AT_RISK, 0, AMBER),
        (ON_TRACK, 30, GREEN),
        (NOT_STARTED, 30, GREEN),
        (ON_TRACK, 0, GREEN),
    ],
)
def test_an_actions_rag(status, days_to_due, expected):
    assert loop.action_rag(status, TODAY + timedelta(days=days_to_due), TODAY) == expected


@pytest.mark.parametrize(
    ("outcome", "days_to_review", "expected"),
    [
        (None, 30, GREEN),
        (None, 0, GREEN),
        ("met", 30, GREEN),
        ("partly_met", 30, AMBER),
        ("not_met", 0, AMBER),
        (None, -1, RED),
        ("partly_met", -1, RED),
    ],
)
def test_a_measures_rag(outcome, days_to_review, expected):
    assert loop.measure_rag(outcome, TODAY + timedelta(days=days_to_review), TODAY) == expected


@pytest.mark.parametrize(
    ("rags", "expected"),
    [
        ([], None),
        ([COMPLETE, COMPLETE], None),
        ([GREEN, COMPLETE], GREEN),
        ([GREEN, AMBER, COMPLETE], AMBER),
        ([AMBER, RED, GREEN], RED),
        ([RED, GREEN], RED),
    ],
)
def test_an_items_rag_is_its_worst_open_actions(rags, expected):
    assert loop.item_rag(iter(rags)) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2024, 3, 30, 23, 30, tzinfo=UTC), date(2024, 3, 30)),
        (datetime(2024, 3, 31, 0, 59, tzinfo=UTC), date(2024, 3, 31)),
        (datetime(2024, 3, 31, 23, 30, tzinfo=UTC), date(2024, 4, 1)),
        (datetime(2024, 10, 26, 23, 30, tzinfo=UTC), date(2024, 10, 27)),
        (datetime(2024, 10, 27, 23, 30, tzinfo=UTC), date(2024, 10, 27)),
        (datetime(2024, 12, 31, 23, 59, tzinfo=UTC), date(2024, 12, 31)),
    ],
    ids=["GMT eve", "spring forward", "first BST night", "last BST night", "GMT again", "winter"],
)
def test_the_local_date_follows_british_summer_time(moment, expected):
    assert loop.local_date(moment, "Europe/London") == expected
