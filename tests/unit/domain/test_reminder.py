"""The Reminder aggregate: issued once per owed reminder, claimed before each delivery attempt,
then delivered, failed (to be retried, or not), or cancelled."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.errors import RuleViolation
from domain.reminder import (
    CANCELLED,
    CLAIM_EXPIRES,
    CLAIMED,
    DELIVERED,
    FAILED,
    NO_RECIPIENT,
    PENDING,
    SYSTEM,
    Reminder,
)
from domain.reminder_rules import FollowUp, Owed, ReminderRule

ISSUED_AT = datetime(2024, 10, 1, 6, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)
RULE = ReminderRule("action_overdue", "Action overdue", "action", 1, repeat_days=7)
ESCALATION = ReminderRule("action_escalated_to_board", "Escalated", "action", 28, escalate=True)
TARGET = FollowUp(
    kind="action",
    target_id="action-1",
    stream_id="item-1",
    subgroup="serious-case-review",
    due=date(2024, 9, 30),
    title="Neglect not recognised in adolescents",
    description="Briefings on the review's findings",
    owner_email="owner@example.org",
)
OWED = Owed(RULE, TARGET, date(2024, 10, 1), ("owner@example.org",))


def issued(owed: Owed = OWED) -> Reminder:
    reminder = Reminder.issue(owed, ISSUED_AT)
    reminder.collect_events()
    return reminder


def claimed(at: datetime = ISSUED_AT) -> Reminder:
    reminder = issued()
    reminder.claim(at)
    reminder.collect_events()
    return reminder


def replayed(events: list[Any]) -> Reminder:
    reminder = None
    for event in events:
        reminder = event.mutate(reminder)
    assert isinstance(reminder, Reminder)
    return reminder


def refused(command: Any, *args: Any) -> None:
    reminder = command.__self__
    version = reminder.version
    with pytest.raises(RuleViolation):
        command(*args)
    assert reminder.version == version
    assert reminder.collect_events() == []


# -- issuing -------------------------------------------------------------------------------------


def test_issuing_records_who_it_is_for_and_what_it_is_about() -> None:
    reminder = Reminder.issue(OWED, ISSUED_AT)
    [event] = reminder.collect_events()
    assert isinstance(event, Reminder.Issued)
    assert event.originator_id == OWED.reminder_id == reminder.id
    assert event.timestamp == ISSUED_AT
    assert event.actor == SYSTEM
    assert {
        name: getattr(event, name)
        for name in (
            "rule",
            "escalation",
            "target_kind",
            "target_id",
            "stream_id",
            "subgroup",
            "title",
            "description",
            "due",
            "occurrence",
            "recipients",
        )
    } == {
        "rule": "action_overdue",
        "escalation": False,
        "target_kind": "action",
        "target_id": "action-1",
        "stream_id": "item-1",
        "subgroup": "serious-case-review",
        "title": "Neglect not recognised in adolescents",
        "description": "Briefings on the review's findings",
        "due": date(2024, 9, 30),
        "occurrence": date(2024, 10, 1),
        "recipients": ["owner@example.org"],
    }
    assert (reminder.delivery, reminder.attempts, reminder.claimed_at) == (PENDING, 0, None)
    assert reminder.deliverable(ISSUED_AT)


def test_an_escalation_says_so() -> None:
    owed = Owed(ESCALATION, TARGET, date(2024, 10, 28), ("bm@example.org", "chair@example.org"))
    reminder = Reminder.issue(owed, ISSUED_AT)
    assert reminder.escalation is True
    assert reminder.recipients == ["bm@example.org", "chair@example.org"]


def test_the_same_owed_reminder_is_issued_with_the_same_id() -> None:
    assert Reminder.issue(OWED, ISSUED_AT).id == Reminder.issue(OWED, ISSUED_AT + MINUTE).id


def test_a_reminder_with_no_recipient_is_recorded_but_never_delivered() -> None:
    reminder = issued(Owed(RULE, TARGET, date(2024, 10, 1), ()))
    assert reminder.delivery == NO_RECIPIENT
    assert not reminder.deliverable(ISSUED_AT + timedelta(days=30))
    refused(reminder.claim, ISSUED_AT)


# -- claiming ------------------------------------------------------------------------------------


def test_claiming_records_the_first_attempt() -> None:
    reminder = issued()
    assert reminder.claim(ISSUED_AT + MINUTE) == 1
    [event] = reminder.collect_events()
    assert isinstance(event, Reminder.DeliveryClaimed)
    assert (event.attempt, event.actor, event.timestamp) == (1, SYSTEM, ISSUED_AT + MINUTE)
    assert (reminder.delivery, reminder.attempts) == (CLAIMED, 1)
    assert reminder.claimed_at == ISSUED_AT + MINUTE


def test_a_claimed_reminder_cannot_be_claimed_again_until_the_claim_expires() -> None:
    reminder = claimed()
    later = ISSUED_AT + CLAIM_EXPIRES - SECOND
    assert not reminder.deliverable(later)
    refused(reminder.claim, ISSUED_AT)
    refused(reminder.claim, later)
    assert reminder.deliverable(ISSUED_AT + CLAIM_EXPIRES)
    assert reminder.claim(ISSUED_AT + CLAIM_EXPIRES) == 2
    assert reminder.claimed_at == ISSUED_AT + CLAIM_EXPIRES


# -- results -------------------------------------------------------------------------------------


def test_a_failure_with_a_retry_time_is_deliverable_from_then() -> None:
    reminder = claimed()
    retry_after = ISSUED_AT + 5 * MINUTE
    reminder.record_failure(
        reminder.attempts, "421 try again later", retry_after, ISSUED_AT + SECOND
    )
    [event] = reminder.collect_events()
    assert isinstance(event, Reminder.DeliveryFailed)
    assert (event.attempt, event.error, event.retry_after) == (
        1,
        "421 try again later",
        retry_after,
    )
    assert reminder.delivery == FAILED
    assert not reminder.deliverable(retry_after - SECOND)
    refused(reminder.claim, retry_after - SECOND)
    assert reminder.deliverable(retry_after)
    assert reminder.claim(retry_after) == 2


def test_a_long_error_is_cut_short() -> None:
    reminder = claimed()
    reminder.record_failure(reminder.attempts, "x" * 2000, None, ISSUED_AT)
    [event] = reminder.collect_events()
    assert len(event.error) == 500


def test_a_failure_without_a_retry_time_means_the_attempts_are_exhausted() -> None:
    reminder = claimed()
    reminder.record_failure(reminder.attempts, "550 mailbox unavailable", None, ISSUED_AT + SECOND)
    reminder.collect_events()
    assert reminder.delivery == FAILED
    assert reminder.retry_after is None
    assert not reminder.deliverable(ISSUED_AT + timedelta(days=365))
    refused(reminder.claim, ISSUED_AT + timedelta(days=365))


def test_delivered_is_final() -> None:
    reminder = claimed()
    reminder.record_delivered(reminder.attempts, ISSUED_AT + SECOND)
    [event] = reminder.collect_events()
    assert isinstance(event, Reminder.Delivered)
    assert (event.attempt, event.actor) == (1, SYSTEM)
    assert reminder.delivery == DELIVERED
    assert not reminder.deliverable(ISSUED_AT + CLAIM_EXPIRES + timedelta(days=1))
    refused(reminder.claim, ISSUED_AT + CLAIM_EXPIRES + timedelta(days=1))


def test_the_second_attempt_is_the_one_recorded_as_delivered() -> None:
    reminder = claimed()
    reminder.record_failure(reminder.attempts, "timeout", ISSUED_AT + MINUTE, ISSUED_AT + SECOND)
    reminder.claim(ISSUED_AT + MINUTE)
    reminder.record_delivered(reminder.attempts, ISSUED_AT + 2 * MINUTE)
    assert reminder.collect_events()[-1].attempt == 2
    assert (reminder.delivery, reminder.attempts) == (DELIVERED, 2)


def test_a_late_failure_does_not_undo_a_delivery() -> None:
    reminder = claimed()  # worker A claims attempt 1 and stalls
    reminder.claim(ISSUED_AT + CLAIM_EXPIRES)  # worker B claims attempt 2 ...
    reminder.record_delivered(
        reminder.attempts, ISSUED_AT + CLAIM_EXPIRES + SECOND
    )  # ... and delivers it
    late = ISSUED_AT + CLAIM_EXPIRES + MINUTE
    with contextlib.suppress(RuleViolation):  # refusing it is as good as ignoring it
        reminder.record_failure(1, "timeout", late, late)  # worker A's attempt 1 times out
    assert reminder.delivery == DELIVERED
    assert not reminder.deliverable(late + timedelta(days=1))


# -- cancelling ----------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["pending", "claimed", "failed", "no_recipient"])
def test_an_undelivered_reminder_is_cancelled(state: str) -> None:
    if state == "no_recipient":
        reminder = issued(Owed(RULE, TARGET, date(2024, 10, 1), ()))
    else:
        reminder = issued() if state == "pending" else claimed()
    if state == "failed":
        reminder.record_failure(reminder.attempts, "timeout", ISSUED_AT + MINUTE, ISSUED_AT)
        reminder.collect_events()
    reminder.cancel("action completed", ISSUED_AT + SECOND)
    [event] = reminder.collect_events()
    assert isinstance(event, Reminder.Cancelled)
    assert (event.reason, event.actor) == ("action completed", SYSTEM)
    assert reminder.delivery == CANCELLED
    assert not reminder.deliverable(ISSUED_AT + timedelta(days=1))


def test_cancelling_is_a_no_op_once_delivered_or_cancelled() -> None:
    reminder = claimed()
    reminder.record_delivered(reminder.attempts, ISSUED_AT + SECOND)
    reminder.collect_events()
    reminder.cancel("action completed", ISSUED_AT + MINUTE)
    assert reminder.collect_events() == []
    assert reminder.delivery == DELIVERED

    other = issued()
    other.cancel("action completed", ISSUED_AT)
    other.collect_events()
    other.cancel("item closed", ISSUED_AT + MINUTE)
    assert other.collect_events() == []
    assert other.delivery == CANCELLED


# -- replay --------------------------------------------------------------------------------------


def test_replaying_the_events_gives_the_same_state() -> None:
    reminder = Reminder.issue(OWED, ISSUED_AT)
    reminder.claim(ISSUED_AT)
    reminder.record_failure(reminder.attempts, "timeout", ISSUED_AT + MINUTE, ISSUED_AT + SECOND)
    reminder.claim(ISSUED_AT + MINUTE)
    again = replayed(list(reminder.collect_events()))
    assert again.id == reminder.id and again.version == reminder.version
    fields = ("delivery", "attempts", "claimed_at", "retry_after", "recipients", "due", "rule")
    assert {f: getattr(again, f) for f in fields} == {f: getattr(reminder, f) for f in fields}
    assert not again.deliverable(ISSUED_AT + MINUTE + CLAIM_EXPIRES - SECOND)
    assert again.deliverable(ISSUED_AT + MINUTE + CLAIM_EXPIRES)
