"""The reminder log view: rows inserted for issued reminders, updated by delivery events, and the
queries over them (paging, what is deliverable, what is issued or undelivered)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
import sqlalchemy as sa

from domain.reminder import Reminder
from domain.reminder_rules import FollowUp, Owed, ReminderRule
from projections.views import reminders as reminder_log
from projections.views.reminders import ReminderLogView, reminders_table

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
RULE = ReminderRule("action_due_soon", "Action due in 7 days", "action", -7)
ESCALATE = ReminderRule("action_overdue_board", "Overdue: Board", "action", 14, 7, escalate=True)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _follow_up(target_id: str | None = None, due: date = date(2026, 5, 8)) -> FollowUp:
    return FollowUp(
        kind="action",
        target_id=target_id or str(uuid4()),
        stream_id=str(uuid4()),
        subgroup="serious-case-review",
        due=due,
        title="Agencies missed the signs of neglect",
        description="Agree a neglect information-sharing protocol",
        owner_email="owner@example.org",
    )


def _owed(
    recipients: tuple[str, ...] = ("owner@example.org",),
    rule: ReminderRule = RULE,
    follow_up: FollowUp | None = None,
) -> Owed:
    follow_up = follow_up or _follow_up()
    return Owed(rule, follow_up, follow_up.due + timedelta(days=rule.offset_days), recipients)


def on(engine: sa.Engine, query: Any, *args: Any, **kwargs: Any) -> Any:
    """Runs one of the view's queries on a connection of its own."""
    with engine.connect() as conn:
        return query(conn, *args, **kwargs)


@pytest.fixture
def engine() -> Iterator[sa.Engine]:
    engine = sa.create_engine("sqlite://")
    reminders_table.metadata.create_all(engine, tables=[reminders_table])
    yield engine
    engine.dispose()


class Log:
    """Feeds events to the view with made-up log positions, one batch per call."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.view = ReminderLogView()
        self.positions = itertools.count(1)

    def apply(self, *events: Any) -> list[int]:
        batch = [(next(self.positions), event) for event in events]
        with self.engine.begin() as conn:
            self.view.apply(conn, batch)
        return [p for p, _ in batch]

    def skip(self, n: int) -> None:
        """Positions taken by other streams' events."""
        for _ in range(n):
            next(self.positions)


@pytest.fixture
def log(engine: sa.Engine) -> Log:
    return Log(engine)


def _rows(engine: sa.Engine) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(reminders_table)).mappings().all()
    return {row["reminder_id"]: dict(row) for row in rows}


def test_the_view_names_itself_and_its_table() -> None:
    view = ReminderLogView()
    assert view.name == "reminder_log"
    assert view.tables == (reminders_table,)
    assert reminders_table.name == "view_reminders"


def test_an_issued_reminder_is_a_pending_row_at_its_position(engine, log) -> None:
    owed = _owed(recipients=("a@example.org", "b@example.org"))
    reminder = Reminder.issue(owed, T0)
    log.skip(4)
    [position] = log.apply(*reminder.collect_events())

    row = _rows(engine)[str(reminder.id)]
    assert row["position"] == position == 5
    assert row["rule"] == "action_due_soon"
    assert row["escalation"] is False
    assert row["target_kind"] == "action"
    assert row["target_id"] == owed.follow_up.target_id
    assert row["stream_id"] == owed.follow_up.stream_id
    assert row["subgroup"] == "serious-case-review"
    assert row["title"] == "Agencies missed the signs of neglect"
    assert row["due"] == date(2026, 5, 8)
    assert row["occurrence"] == date(2026, 5, 1)
    assert row["recipients"] == ["a@example.org", "b@example.org"]
    assert row["issued_at"] == _naive(T0)
    assert row["delivery"] == "pending"
    assert row["attempts"] == 0
    assert row["last_error"] is None
    assert row["retry_after"] is None
    assert row["delivered_at"] is None


def test_a_reminder_with_no_recipient_is_recorded_as_such(engine, log) -> None:
    reminder = Reminder.issue(_owed(recipients=()), T0)
    log.apply(*reminder.collect_events())
    row = _rows(engine)[str(reminder.id)]
    assert row["delivery"] == "no_recipient"
    assert row["recipients"] == []
    assert str(reminder.id) not in on(engine, reminder_log.undelivered_ids)
    assert on(engine, reminder_log.deliverable, T0 + timedelta(days=1)) == []


def test_claimed_then_failed_then_retried_then_delivered_across_batches(engine, log) -> None:
    reminder = Reminder.issue(_owed(), T0)
    key = str(reminder.id)
    log.apply(*reminder.collect_events())

    claimed_at = T0 + timedelta(minutes=1)
    assert reminder.claim(claimed_at) == 1
    log.apply(*reminder.collect_events())
    row = _rows(engine)[key]
    assert (row["delivery"], row["attempts"], row["claimed_at"]) == (
        "claimed",
        1,
        _naive(claimed_at),
    )

    retry = T0 + timedelta(minutes=15)
    reminder.record_failure(1, "SMTP 451 try again later", retry, T0 + timedelta(minutes=2))
    log.apply(*reminder.collect_events())
    row = _rows(engine)[key]
    assert row["delivery"] == "failed"
    assert row["last_error"] == "SMTP 451 try again later"
    assert row["retry_after"] == _naive(retry)
    assert row["attempts"] == 1

    delivered_at = T0 + timedelta(minutes=16)
    assert reminder.claim(delivered_at) == 2
    reminder.record_delivered(2, delivered_at)
    log.apply(*reminder.collect_events())
    row = _rows(engine)[key]
    assert row["delivery"] == "delivered"
    assert row["attempts"] == 2
    assert row["delivered_at"] == _naive(delivered_at)
    assert row["retry_after"] is None
    assert row["position"] == 1  # the Issued event's position stays the row's key


def test_issue_and_delivery_in_one_batch_insert_the_final_state(engine, log) -> None:
    reminder = Reminder.issue(_owed(), T0)
    reminder.claim(T0)
    reminder.record_delivered(1, T0 + timedelta(seconds=2))
    other = Reminder.issue(_owed(), T0)
    positions = log.apply(*reminder.collect_events(), *other.collect_events())

    rows = _rows(engine)
    assert rows[str(reminder.id)]["position"] == positions[0]
    assert rows[str(reminder.id)]["delivery"] == "delivered"
    assert rows[str(reminder.id)]["attempts"] == 1
    assert rows[str(other.id)]["position"] == positions[3]
    assert rows[str(other.id)]["delivery"] == "pending"


def test_cancelling_and_events_of_other_streams(engine, log) -> None:
    reminder = Reminder.issue(_owed(), T0)
    log.apply(*reminder.collect_events())

    class Unrelated:  # an event of another aggregate: the view ignores it
        originator_id = uuid4()

    reminder.cancel("the action is complete", T0 + timedelta(days=1))
    log.apply(Unrelated(), *reminder.collect_events())
    row = _rows(engine)[str(reminder.id)]
    assert row["delivery"] == "cancelled"
    assert len(_rows(engine)) == 1


def test_a_batch_updating_many_reminders_updates_each_alone(engine, log) -> None:
    issued = [Reminder.issue(_owed(), T0) for _ in range(5)]
    log.apply(*(e for r in issued for e in r.collect_events()))
    issued[0].claim(T0)
    issued[1].claim(T0)
    issued[1].record_failure(1, "refused", None, T0)
    issued[3].cancel("closed", T0)
    log.apply(*(e for r in issued for e in r.collect_events()))

    rows = _rows(engine)
    assert [rows[str(r.id)]["delivery"] for r in issued] == [
        "claimed",
        "failed",
        "pending",
        "cancelled",
        "pending",
    ]
    assert rows[str(issued[1].id)]["last_error"] == "refused"
    assert rows[str(issued[1].id)]["retry_after"] is None


def test_deliverable_pending_failed_due_a_retry_and_expired_claims(engine, log) -> None:
    pending = Reminder.issue(_owed(), T0)
    retry_soon = Reminder.issue(_owed(), T0)
    exhausted = Reminder.issue(_owed(), T0)
    claimed = Reminder.issue(_owed(), T0)
    delivered = Reminder.issue(_owed(), T0)
    for reminder in (retry_soon, exhausted, claimed, delivered):
        reminder.claim(T0)
    retry_soon.record_failure(1, "timeout", T0 + timedelta(minutes=30), T0)
    exhausted.record_failure(1, "mailbox unknown", None, T0)
    delivered.record_delivered(1, T0)
    everything = (pending, retry_soon, exhausted, claimed, delivered)
    log.apply(*(e for r in everything for e in r.collect_events()))

    ids = {name: str(r.id) for name, r in zip(("p", "r", "x", "c", "d"), everything, strict=True)}
    assert on(engine, reminder_log.deliverable, T0 + timedelta(minutes=5)) == [ids["p"]]
    assert on(engine, reminder_log.deliverable, T0 + timedelta(minutes=10)) == [ids["p"], ids["c"]]
    at_half_past = on(engine, reminder_log.deliverable, T0 + timedelta(minutes=30))
    assert at_half_past == [ids["p"], ids["r"], ids["c"]]
    # the aggregate agrees on each
    moment = T0 + timedelta(minutes=30)
    assert [str(r.id) for r in everything if r.deliverable(moment)] == at_half_past
    # a naive `now` is read as UTC
    assert on(engine, reminder_log.deliverable, _naive(moment)) == at_half_past

    assert on(engine, reminder_log.undelivered_ids) == {ids["p"], ids["r"], ids["c"]}


def test_issued_ids_answers_for_uuids_and_strings(engine, log) -> None:
    reminders = [Reminder.issue(_owed(), T0) for _ in range(3)]
    log.apply(*(e for r in reminders for e in r.collect_events()))
    unknown = uuid4()
    asked = [reminders[0].id, str(reminders[2].id), unknown]
    found = on(engine, reminder_log.issued_ids, asked)
    assert found == {str(reminders[0].id), str(reminders[2].id)}
    assert on(engine, reminder_log.issued_ids, []) == set()
    many = [uuid4() for _ in range(1200)] + [reminders[1].id]
    assert on(engine, reminder_log.issued_ids, many) == {str(reminders[1].id)}


def test_the_same_owed_reminder_has_the_same_id() -> None:
    follow_up = _follow_up()
    first, second = _owed(follow_up=follow_up), _owed(follow_up=follow_up)
    assert Reminder.issue(first, T0).id == Reminder.issue(second, T0 + timedelta(days=1)).id


def test_reminders_are_listed_in_issue_order_and_paged_by_position(engine, log) -> None:
    escalation = Reminder.issue(
        _owed(recipients=("owner@example.org", "board@example.org"), rule=ESCALATE), T0
    )
    log.apply(*escalation.collect_events())
    log.skip(3)
    later = [Reminder.issue(_owed(), T0 + timedelta(hours=h)) for h in range(1, 4)]
    for reminder in later:
        log.apply(*reminder.collect_events())
    escalation.claim(T0)
    escalation.record_delivered(1, T0 + timedelta(minutes=1))
    log.apply(*escalation.collect_events())

    page, next_after = on(engine, reminder_log.page, after=0, limit=2)
    assert [r["position"] for r in page] == [1, 5]
    assert next_after == 5
    first = page[0]
    assert set(first) >= {
        "position",
        "rule",
        "stream_id",
        "target_id",
        "due",
        "recipient",
        "issued_at",
        "delivery",
        "recipients",
        "attempts",
        "escalation",
        "target_kind",
    }
    assert first["rule"] == "action_overdue_board"
    assert first["escalation"] is True
    assert first["target_kind"] == "action"
    assert first["due"] == "2026-05-08"
    assert first["recipient"] == "owner@example.org,board@example.org"
    assert first["recipients"] == ["owner@example.org", "board@example.org"]
    assert first["issued_at"] == "2026-05-01T09:00:00+00:00"
    assert first["delivery"] == "delivered"
    assert first["attempts"] == 1
    assert first["stream_id"] == escalation.stream_id
    assert first["target_id"] == escalation.target_id

    page, next_after = on(engine, reminder_log.page, after=next_after, limit=2)
    assert [r["position"] for r in page] == [6, 7]
    page, final = on(engine, reminder_log.page, after=next_after, limit=2)
    assert (page, final) == ([], 7)


def test_an_empty_log_lists_nothing(engine) -> None:
    assert on(engine, reminder_log.page, after=0, limit=100) == ([], 0)
    assert on(engine, reminder_log.page, after=42, limit=100) == ([], 42)
    assert on(engine, reminder_log.deliverable, T0) == []
    assert on(engine, reminder_log.undelivered_ids) == set()
