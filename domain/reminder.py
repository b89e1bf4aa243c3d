"""A reminder issued: to whom, about what, and what became of its delivery.

Its id is derived from what makes it owed (`domain.reminder_rules.Owed.reminder_id`), so a second
sweep that owes the same reminder collides with the first instead of issuing it twice. Delivery
is claimed before an attempt (so two workers never both send it), then recorded as delivered or
failed with the time it may be retried; a reminder whose target is no longer open is cancelled.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from eventsourcing.domain import Aggregate

from domain.actor import system_actor
from domain.errors import RuleViolation
from domain.reminder_rules import Owed

SYSTEM = system_actor("reminders").as_record()
PENDING, CLAIMED, DELIVERED, FAILED, CANCELLED, NO_RECIPIENT = (
    "pending",
    "claimed",
    "delivered",
    "failed",
    "cancelled",
    "no_recipient",
)
CLAIM_EXPIRES = timedelta(minutes=10)


class Reminder(Aggregate):
    class Event(Aggregate.Event):
        actor: dict[str, str]

    class Issued(Event, Aggregate.Created):
        rule: str
        escalation: bool
        target_kind: str
        target_id: str
        stream_id: str
        subgroup: str | None
        title: str
        description: str
        due: date
        occurrence: date
        recipients: list[str]

    class DeliveryClaimed(Event):
        attempt: int

        def apply(self, reminder: Reminder) -> None:
            reminder.delivery = CLAIMED
            reminder.attempts = self.attempt
            reminder.claimed_at = self.timestamp

    class Delivered(Event):
        attempt: int

        def apply(self, reminder: Reminder) -> None:
            reminder.delivery = DELIVERED

    class DeliveryFailed(Event):
        attempt: int
        error: str
        retry_after: datetime | None

        def apply(self, reminder: Reminder) -> None:
            reminder.delivery = FAILED
            reminder.retry_after = self.retry_after

    class Cancelled(Event):
        reason: str

        def apply(self, reminder: Reminder) -> None:
            reminder.delivery = CANCELLED

    def __init__(
        self,
        actor: dict[str, str],
        rule: str,
        escalation: bool,
        target_kind: str,
        target_id: str,
        stream_id: str,
        subgroup: str | None,
        title: str,
        description: str,
        due: date,
        occurrence: date,
        recipients: list[str],
    ) -> None:
        self.rule = rule
        self.escalation = escalation
        self.target_kind = target_kind
        self.target_id = target_id
        self.stream_id = stream_id
        self.subgroup = subgroup
        self.title = title
        self.description = description
        self.due = due
        self.occurrence = occurrence
        self.recipients = list(recipients)
        self.delivery = PENDING if recipients else NO_RECIPIENT
        self.attempts = 0
        self.claimed_at: datetime | None = None
        self.retry_after: datetime | None = None

    @classmethod
    def issue(cls, owed: Owed, now: datetime) -> Reminder:
        follow_up = owed.follow_up
        return cls._create(
            cls.Issued,
            id=owed.reminder_id,
            actor=SYSTEM,
            rule=owed.rule.name,
            escalation=owed.rule.escalate,
            target_kind=follow_up.kind,
            target_id=follow_up.target_id,
            stream_id=follow_up.stream_id,
            subgroup=follow_up.subgroup,
            title=follow_up.title,
            description=follow_up.description,
            due=follow_up.due,
            occurrence=owed.occurrence,
            recipients=list(owed.recipients),
            timestamp=now,
        )

    def deliverable(self, now: datetime) -> bool:
        if self.delivery == PENDING:
            return True
        if self.delivery == FAILED:  # no retry_after: attempts exhausted
            return self.retry_after is not None and self.retry_after <= now
        if self.delivery == CLAIMED:
            return self.claimed_at is not None and now - self.claimed_at >= CLAIM_EXPIRES
        return False

    def claim(self, now: datetime) -> int:
        if not self.deliverable(now):
            raise RuleViolation(f"reminder is {self.delivery}, not deliverable now")
        attempt = self.attempts + 1
        self.trigger_event(self.DeliveryClaimed, attempt=attempt, actor=SYSTEM, timestamp=now)
        return attempt

    def record_delivered(self, attempt: int, now: datetime) -> None:
        if self._current_claim(attempt):
            self.trigger_event(self.Delivered, attempt=attempt, actor=SYSTEM, timestamp=now)

    def record_failure(
        self, attempt: int, error: str, retry_after: datetime | None, now: datetime
    ) -> None:
        if not self._current_claim(attempt):
            return
        self.trigger_event(
            self.DeliveryFailed,
            attempt=attempt,
            error=error[:500],
            retry_after=retry_after,
            actor=SYSTEM,
            timestamp=now,
        )

    def _current_claim(self, attempt: int) -> bool:
        """A worker whose claim expired and was taken over reports nothing: the later claim's
        outcome stands (a late failure must not undo a delivery)."""
        return self.delivery == CLAIMED and self.attempts == attempt

    def cancel(self, reason: str, now: datetime) -> None:
        if self.delivery in (DELIVERED, CANCELLED):
            return
        self.trigger_event(self.Cancelled, reason=reason, actor=SYSTEM, timestamp=now)
