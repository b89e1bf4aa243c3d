"""Which reminders are owed, as at a day: pure rules over the open follow-ups.

A rule fires `offset_days` from a target's due date (negative: before it) and, with
`repeat_days`, again every so many days while the target stays open. A reminder is owed once per
(rule, target, due date, occurrence, recipients): sweeping again owes nothing new, a changed due
date or a new owner owes afresh, and after downtime only the latest missed occurrence is owed.
Dates are the partnership's local dates; a target is due at the end of its due day.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

TARGETS = ("action", "measure", "clock", "audit")
_NAMESPACE = uuid5(NAMESPACE_URL, "https://learnloop.example/reminders")


@dataclass(frozen=True)
class ReminderRule:
    name: str
    label: str
    target: str
    offset_days: int
    repeat_days: int | None = None
    escalate: bool = False

    def occurrence(self, due: date, today: date) -> date | None:
        """The occurrence owed on `today` for a target due on `due`, if any."""
        first = due + timedelta(days=self.offset_days)
        if today < first:
            return None
        if self.offset_days < 0 and today > due:
            return None  # a reminder before the due date is stale once the date has passed
        if self.repeat_days:
            repeats = (today - first).days // self.repeat_days
            return first + timedelta(days=repeats * self.repeat_days)
        return first


@dataclass(frozen=True)
class FollowUp:
    """An open target with a due date: an action, a measure's review, a review clock, an audit."""

    kind: str
    target_id: str
    stream_id: str
    subgroup: str | None
    due: date
    title: str
    description: str
    owner_email: str | None = None


@dataclass(frozen=True)
class Owed:
    rule: ReminderRule
    follow_up: FollowUp
    occurrence: date
    recipients: tuple[str, ...]

    @property
    def reminder_id(self) -> UUID:
        """The same for the same rule, target, due date, occurrence and recipients, so issuing
        is idempotent however many sweeps or processes run."""
        key = "/".join(
            (
                self.rule.name,
                self.follow_up.target_id,
                self.follow_up.due.isoformat(),
                self.occurrence.isoformat(),
                ",".join(sorted(self.recipients)),
            )
        )
        return uuid5(_NAMESPACE, key)


Recipients = Callable[[FollowUp, ReminderRule], Sequence[str]]


def latest_due_owed(rules: Sequence[ReminderRule], today: date) -> date | None:
    """The latest due date any rule owes a reminder for on `today`: a sweep need not read
    targets due later (most of a large partnership's open work). None: no rules, nothing owed."""
    if not rules:
        return None
    return today - timedelta(days=min(rule.offset_days for rule in rules))


def owed(
    follow_ups: list[FollowUp],
    rules: tuple[ReminderRule, ...],
    today: date,
    recipients_for: Recipients,
) -> list[Owed]:
    result = []
    for follow_up in follow_ups:
        for rule in rules:
            if rule.target != follow_up.kind:
                continue
            occurrence = rule.occurrence(follow_up.due, today)
            if occurrence is not None:
                who = tuple(sorted(set(recipients_for(follow_up, rule))))
                result.append(Owed(rule, follow_up, occurrence, who))
    return result


def next_reminder(
    rules: tuple[ReminderRule, ...], kind: str, due: date, today: date
) -> tuple[ReminderRule, date] | None:
    """The next reminder a target of `kind` due on `due` will be owed, on or after `today`."""
    upcoming = []
    for rule in rules:
        if rule.target != kind:
            continue
        first = due + timedelta(days=rule.offset_days)
        if first >= today:
            upcoming.append((first, rule))
        elif rule.repeat_days:
            repeats = -(-(today - first).days // rule.repeat_days)  # ceiling: today counts
            upcoming.append((first + timedelta(days=repeats * rule.repeat_days), rule))
    if not upcoming:
        return None
    on, rule = min(upcoming, key=lambda pair: pair[0])
    return rule, on
