"""The day a step happened (its effective date), as distinct from the time it was recorded.

Every step that happens in the world (a need identified, an action chosen, a decision taken)
carries the local date it happened on: given by the person who records it, or else today in the
partnership's time zone. It is never in the future, and never before the step it depends on.
Events recorded before steps carried a date read as happening on the day they were recorded
(`recorded_day`, used by the events' upcasters).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from domain.errors import InvalidField
from domain.loop import DEFAULT_TIMEZONE, local_date

After = Iterable[tuple[date | None, str]]  # (the earlier step's date, what that step was)


def step_date(
    given: date | None, now: datetime, timezone: str, *, field: str = "on", after: After = ()
) -> date:
    """The day a step happened: `given`, or today (local) when none is given. InvalidField
    naming both dates when it is in the future or before an earlier step it depends on (each
    of `after` whose date is known)."""
    today = local_date(now, timezone)
    day = today if given is None else given
    if day > today:
        raise InvalidField(field, f"{day.isoformat()} is in the future (today is {today})")
    for earliest, what in after:
        if earliest is not None and day < earliest:
            raise InvalidField(field, f"{day.isoformat()} is before {what} ({earliest})")
    return day


def recorded_day(state: dict[str, Any], name: str = "on") -> None:
    """Upcasts a stored event from before its step carried a date: the step happened on the
    day it was recorded, in the partnership's time zone."""
    state[name] = local_date(state["timestamp"], DEFAULT_TIMEZONE)


# The field that holds the day an event's step happened, for events whose step names its own
# day; every other dated event holds it in `on`.
OWN_DAY_FIELDS = (
    "identified_on",
    "notified_on",
    "assessed_on",
    "decided_on",
    "chosen_on",
    "received_on",
    "agreed_on",
    "published_on",
    "reached_on",
    "planned_on",
    "completed_on",
)


def happened_on(data: dict[str, Any]) -> Any:
    """The day the step an event records happened (as the event's data holds it: a date or its
    ISO text), or None for an event that is not a step in the world (a correction, a
    reminder)."""
    if data.get("on") is not None:
        return data["on"]
    return next((data[name] for name in OWN_DAY_FIELDS if data.get(name) is not None), None)
