"""Follow-up reminders: a sweep issues what is owed as at a time, a delivery run sends them.

Issuing is idempotent (a reminder's id is derived from what makes it owed, so a second sweep or
process collides instead of doubling it). An undelivered reminder whose target closed, whose due
date or owner changed, or that a later occurrence superseded, is cancelled, never silently
dropped. Delivery claims a reminder before sending (two workers never both send it) and records
the outcome; a failure is retried with backoff until MAX_ATTEMPTS.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain import reminder_rules
from domain.framework import Framework
from domain.loop import local_date
from domain.reminder import Reminder
from domain.reminder_rules import FollowUp, Owed, ReminderRule
from services.change import Clock
from services.errors import DeliveryError
from services.event_log import EventLog

MAX_ATTEMPTS = 8


class Sources(Protocol):
    """What the read models tell the sweep."""

    def follow_ups(self, due_by: date) -> list[FollowUp]:
        """The open targets due on or before `due_by`."""
        ...

    def open_dues(self, target_ids: set[str]) -> set[tuple[str, date]]:
        """Of these targets, the open ones, each with its due date."""
        ...

    def latest_occurrences(self) -> dict[tuple[str, date], date]: ...

    def undelivered(self) -> set[str]: ...

    def deliverable(self, now: datetime) -> list[str]: ...


class Directory(Protocol):
    def emails(self, role: str, subgroup: str | None = None) -> list[str]: ...


class Notifier(Protocol):
    def send(self, message: Any) -> None: ...


Compose = Callable[[Reminder, date], Any]


@dataclass(frozen=True)
class Sweep:
    issued: int
    cancelled: int


class Reminders:
    def __init__(
        self,
        log: EventLog,
        framework: Framework,
        clock: Clock,
        sources: Sources,
        directory: Directory,
        notifier: Notifier | None,
        compose: Compose,
        board_recipients: Sequence[str] = (),
    ) -> None:
        self.log = log
        self.framework = framework
        self.clock = clock
        self.sources = sources
        self.directory = directory
        self.notifier = notifier
        self.compose = compose
        self.board_recipients = tuple(board_recipients)

    def sweep(self, as_of: datetime | None = None) -> Sweep:
        """Issues every reminder owed on the partnership's date at `as_of` (default: now)."""
        today = local_date(as_of or self.clock(), self.framework.timezone)
        due_by = reminder_rules.latest_due_owed(self.framework.reminders, today)
        follow_ups = self.sources.follow_ups(due_by) if due_by is not None else []
        owed = reminder_rules.owed(follow_ups, self.framework.reminders, today, self.recipients)
        # A sweep as at an earlier time than one before it (a clock moved back) must not issue
        # what a later reminder for the same target and due date has already overtaken.
        latest = self.sources.latest_occurrences()
        fresh = [o for o in owed if o.occurrence >= latest.get(_target_key(o), o.occurrence)]
        issued = sum(self._issue(o) for o in fresh)
        cancelled = self._cancel_what_is_not_owed(owed)
        return Sweep(issued, cancelled)

    def deliver(self, limit: int = 200) -> int:
        """Sends the reminders due a delivery attempt now; returns how many were delivered.
        Without a notifier (no SMTP configured) reminders stay pending, untouched."""
        if self.notifier is None:
            return 0
        delivered = 0
        for reminder_id in self.sources.deliverable(self.clock())[:limit]:
            delivered += self._deliver(self.log.load(UUID(reminder_id), Reminder, "reminder"))
        return delivered

    def recipients(self, follow_up: FollowUp, rule: ReminderRule) -> list[str]:
        """Escalations go to the Board; an action to its owner, else its subgroup's chairs;
        anything else to the chairs of the subgroup it belongs to (else business managers)."""
        if rule.escalate:
            return [*self.board_recipients, *self.directory.emails("business_manager")]
        if follow_up.kind == "action" and follow_up.owner_email:
            return [follow_up.owner_email]
        chairs = self.directory.emails("chair", follow_up.subgroup) if follow_up.subgroup else []
        return chairs or self.directory.emails("business_manager")

    def _issue(self, owed: Owed) -> bool:
        try:
            self.log.record(Reminder.issue(owed, self.clock()))
        except IntegrityError:
            return False  # issued already, by an earlier sweep or another process
        return True

    def _cancel_what_is_not_owed(self, owed: list[Owed]) -> int:
        current = {(o.rule.name, o.follow_up.target_id): o for o in owed}
        pending = [
            self.log.load(UUID(reminder_id), Reminder, "reminder")
            for reminder_id in sorted(self.sources.undelivered())
        ]
        open_targets = self.sources.open_dues({r.target_id for r in pending}) if pending else set()
        cancelled = 0
        for reminder in pending:
            reason = _why_not_owed(reminder, open_targets, current)
            if reason is not None:
                reminder.cancel(reason, self.clock())
                cancelled += self._record(reminder)
        return cancelled

    def _deliver(self, reminder: Reminder) -> int:
        now = self.clock()
        if not reminder.deliverable(now):
            return 0
        attempt = reminder.claim(now)
        if not self._record(reminder):
            return 0  # another worker claimed it first
        assert self.notifier is not None
        try:
            self.notifier.send(self.compose(reminder, local_date(now, self.framework.timezone)))
        except DeliveryError as error:
            retry = None if error.permanent or attempt >= MAX_ATTEMPTS else now + _backoff(attempt)
            reminder.record_failure(attempt, str(error), retry, self.clock())
            self.log.record(reminder)
            return 0
        reminder.record_delivered(attempt, self.clock())
        self.log.record(reminder)
        return 1

    def _record(self, reminder: Reminder) -> int:
        try:
            self.log.record(reminder)
        except IntegrityError:
            return 0
        return 1


def _why_not_owed(
    reminder: Reminder,
    open_targets: set[tuple[str, date]],
    current: dict[tuple[str, str], Owed],
) -> str | None:
    if not any(target == reminder.target_id for target, _ in open_targets):
        return "its target is complete, met or closed"
    if (reminder.target_id, reminder.due) not in open_targets:
        return "its due date changed"
    now_owed = current.get((reminder.rule, reminder.target_id))
    if now_owed is None:
        return None  # not owed on the sweep's date, but not wrong either (a clock moved back)
    if tuple(sorted(reminder.recipients)) != now_owed.recipients:
        return "its recipients changed"
    if now_owed.occurrence > reminder.occurrence:
        return "a later reminder superseded it"
    return None


def _target_key(owed: Owed) -> tuple[str, date]:
    return owed.follow_up.target_id, owed.follow_up.due


def _backoff(attempt: int) -> timedelta:
    """1, 2, 4 ... minutes, at most six hours."""
    return min(timedelta(minutes=2 ** (attempt - 1)), timedelta(hours=6))
