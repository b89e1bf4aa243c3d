"""Which reminders are owed on a day: each rule's occurrence, and `owed()` over the follow-ups."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from domain.reminder_rules import TARGETS, FollowUp, Owed, ReminderRule, latest_due_owed, owed

DUE = date(2024, 9, 30)

BEFORE_14 = ReminderRule("action_due_in_14_days", "Action due in 14 days", "action", -14)
TOMORROW = ReminderRule("action_due_tomorrow", "Action due tomorrow", "action", -1)
OVERDUE = ReminderRule("action_overdue", "Action overdue", "action", 1, repeat_days=7)
ON_THE_DAY = ReminderRule("measure_review_due", "Measure review due", "measure", 0)
ESCALATED = ReminderRule(
    "action_escalated_to_board", "Escalated to the Board", "action", 28, escalate=True
)
CLOCK = ReminderRule("clock_overdue", "Clock overdue", "clock", 1, repeat_days=7)


def day(offset: int) -> date:
    """The day `offset` days from DUE."""
    return DUE + timedelta(days=offset)


@pytest.mark.parametrize(
    ("rule", "today", "expected"),
    [
        # 14 days before: owed from due-14 up to and including the due day, then stale
        pytest.param(BEFORE_14, -15, None, id="before-14:the-day-before"),
        pytest.param(BEFORE_14, -14, -14, id="before-14:first-day"),
        pytest.param(BEFORE_14, -3, -14, id="before-14:later-the-same-occurrence"),
        pytest.param(BEFORE_14, 0, -14, id="before-14:on-the-due-day"),
        pytest.param(BEFORE_14, 1, None, id="before-14:stale-after-the-due-day"),
        pytest.param(BEFORE_14, 40, None, id="before-14:stale-long-after"),
        pytest.param(TOMORROW, -2, None, id="tomorrow:too-early"),
        pytest.param(TOMORROW, -1, -1, id="tomorrow:the-day-before"),
        pytest.param(TOMORROW, 0, -1, id="tomorrow:on-the-due-day"),
        pytest.param(TOMORROW, 1, None, id="tomorrow:stale"),
        # due at the end of the due day: overdue from the day after, then weekly
        pytest.param(OVERDUE, 0, None, id="overdue:not-on-the-due-day"),
        pytest.param(OVERDUE, 1, 1, id="overdue:the-day-after"),
        pytest.param(OVERDUE, 7, 1, id="overdue:due+7-still-the-first"),
        pytest.param(OVERDUE, 8, 8, id="overdue:due+8-the-second"),
        pytest.param(OVERDUE, 14, 8, id="overdue:due+14-still-the-second"),
        pytest.param(OVERDUE, 15, 15, id="overdue:due+15-the-third"),
        pytest.param(OVERDUE, 100, 99, id="overdue:after-downtime-only-the-latest"),
        pytest.param(ON_THE_DAY, -1, None, id="on-the-day:the-day-before"),
        pytest.param(ON_THE_DAY, 0, 0, id="on-the-day:the-day"),
        pytest.param(ON_THE_DAY, 30, 0, id="on-the-day:later-the-same-occurrence"),
        pytest.param(ESCALATED, 27, None, id="escalated:due+27"),
        pytest.param(ESCALATED, 28, 28, id="escalated:due+28"),
        pytest.param(ESCALATED, 29, 28, id="escalated:once"),
        pytest.param(ESCALATED, 365, 28, id="escalated:stays-the-same-occurrence"),
    ],
)
def test_the_occurrence_owed_on_a_day(rule: ReminderRule, today: int, expected: int | None) -> None:
    assert rule.occurrence(DUE, day(today)) == (None if expected is None else day(expected))


def test_the_overdue_rule_owes_each_week_once() -> None:
    occurrences = {OVERDUE.occurrence(DUE, day(offset)) for offset in range(-30, 36)}
    assert occurrences == {None, day(1), day(8), day(15), day(22), day(29)}


def follow_up(kind: str = "action", **fields: object) -> FollowUp:
    values: dict[str, object] = {
        "kind": kind,
        "target_id": f"{kind}-1",
        "stream_id": "item-1",
        "subgroup": "serious-case-review",
        "due": DUE,
        "title": "Neglect not recognised in adolescents",
        "description": "Briefings on the review's findings",
        "owner_email": "owner@example.org",
        **fields,
    }
    return FollowUp(**values)  # type: ignore[arg-type]


RULES = (BEFORE_14, TOMORROW, OVERDUE, ON_THE_DAY, ESCALATED, CLOCK)


def to_owner(target: FollowUp, rule: ReminderRule) -> list[str]:
    return [target.owner_email] if target.owner_email else []


def test_owed_matches_rules_to_targets_by_kind() -> None:
    targets = [follow_up(kind) for kind in TARGETS]
    result = owed(targets, RULES, day(1), to_owner)
    assert [(o.rule.name, o.follow_up.kind, o.occurrence) for o in result] == [
        ("action_overdue", "action", day(1)),
        ("measure_review_due", "measure", day(0)),
        ("clock_overdue", "clock", day(1)),
    ]


def test_nothing_is_owed_before_the_first_rule_or_without_rules() -> None:
    assert owed([follow_up()], RULES, day(-15), to_owner) == []
    assert owed([follow_up()], (), day(1), to_owner) == []
    assert owed([], RULES, day(1), to_owner) == []


def test_owed_on_the_due_day_both_reminders_before_it() -> None:
    result = owed([follow_up()], RULES, day(0), to_owner)
    assert [(o.rule.name, o.occurrence) for o in result] == [
        ("action_due_in_14_days", day(-14)),
        ("action_due_tomorrow", day(-1)),
    ]


def test_owed_asks_for_the_recipients_of_each_target_and_rule() -> None:
    asked: list[tuple[str, str]] = []
    board = ["chair@example.org", "bm@example.org"]

    def recipients(target: FollowUp, rule: ReminderRule) -> list[str]:
        asked.append((target.target_id, rule.name))
        return [*board, "bm@example.org"] if rule.escalate else to_owner(target, rule)

    unowned = follow_up(target_id="action-2", owner_email=None)
    result = owed([follow_up(), unowned], RULES, day(28), recipients)
    assert asked == [
        ("action-1", "action_overdue"),
        ("action-1", "action_escalated_to_board"),
        ("action-2", "action_overdue"),
        ("action-2", "action_escalated_to_board"),
    ]
    assert [(o.follow_up.target_id, o.rule.name, o.recipients) for o in result] == [
        ("action-1", "action_overdue", ("owner@example.org",)),
        ("action-1", "action_escalated_to_board", ("bm@example.org", "chair@example.org")),
        ("action-2", "action_overdue", ()),
        ("action-2", "action_escalated_to_board", ("bm@example.org", "chair@example.org")),
    ]
    assert result[0].occurrence == day(22)


OWED = Owed(OVERDUE, follow_up(), day(1), ("owner@example.org",))


def test_the_reminder_id_is_stable_for_equal_inputs() -> None:
    again = Owed(replace(OVERDUE), follow_up(), day(1), ("owner@example.org",))
    assert again == OWED and again.reminder_id == OWED.reminder_id
    [swept] = owed([follow_up()], (OVERDUE,), day(7), to_owner)
    assert swept.reminder_id == OWED.reminder_id


def test_the_reminder_id_ignores_the_order_of_recipients() -> None:
    one = Owed(ESCALATED, follow_up(), day(28), ("a@example.org", "b@example.org"))
    other = replace(one, recipients=("b@example.org", "a@example.org"))
    assert one.reminder_id == other.reminder_id


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param(replace(OWED, follow_up=follow_up(due=day(7))), id="due-date"),
        pytest.param(replace(OWED, occurrence=day(8)), id="occurrence"),
        pytest.param(replace(OWED, recipients=("new.owner@example.org",)), id="new-owner"),
        pytest.param(
            replace(OWED, recipients=("owner@example.org", "deputy@example.org")),
            id="added-recipient",
        ),
        pytest.param(replace(OWED, recipients=()), id="no-recipient"),
        pytest.param(replace(OWED, rule=TOMORROW), id="rule"),
        pytest.param(replace(OWED, follow_up=follow_up(target_id="action-2")), id="target"),
    ],
)
def test_the_reminder_id_differs_when_what_makes_it_owed_changes(changed: Owed) -> None:
    assert changed.reminder_id != OWED.reminder_id


def test_a_new_owner_is_owed_afresh() -> None:
    [before] = owed([follow_up()], (OVERDUE,), day(3), to_owner)
    handed_over = follow_up(owner_email="new.owner@example.org")
    [after] = owed([handed_over], (OVERDUE,), day(3), to_owner)
    assert after.occurrence == before.occurrence
    assert after.reminder_id != before.reminder_id


def test_a_moved_due_date_is_owed_afresh() -> None:
    [before] = owed([follow_up()], (BEFORE_14,), day(-10), to_owner)
    [after] = owed([follow_up(due=day(2))], (BEFORE_14,), day(-10), to_owner)
    assert after.reminder_id != before.reminder_id


def test_a_repeating_reminder_before_the_due_date_is_stale_once_the_date_has_passed() -> None:
    weekly_before = ReminderRule("action_due_soon", "Action due soon", "action", -14, 7)
    assert weekly_before.occurrence(DUE, day(-7)) == day(-7)
    assert weekly_before.occurrence(DUE, day(0)) == day(0)
    assert weekly_before.occurrence(DUE, day(1)) is None
    assert weekly_before.occurrence(DUE, day(30)) is None


def test_a_sweep_reads_no_target_due_after_the_earliest_rule_could_fire() -> None:
    rules = (BEFORE_14, TOMORROW, OVERDUE, ON_THE_DAY, ESCALATED, CLOCK)
    today = day(-20)
    latest = latest_due_owed(rules, today)
    assert latest == today + timedelta(days=14)
    later = FollowUp("action", "a1", "i1", "scr", latest + timedelta(days=1), "t", "d")
    on_the_edge = replace(later, target_id="a2", due=latest)
    assert owed([later], rules, today, lambda f, r: ["x@example.org"]) == []
    assert [o.follow_up.target_id for o in owed([on_the_edge], rules, today, lambda f, r: [])] == [
        "a2"
    ]


def test_without_rules_nothing_is_read() -> None:
    assert latest_due_owed((), DUE) is None
