"""History and the audit trail show both times of each fact (ADR 0040): the day the step
happened (`on`) beside the time it was recorded (`recorded_at`), and in words, in the
partnership's local time: "on 3 June 2026, recorded 10 June 2026 at 11:05 by Cara Contributor".
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain.dates import happened_on


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def when(event: dict[str, Any], timezone: str) -> str:
    recorded = event["recorded_at"]
    moment = recorded if isinstance(recorded, datetime) else datetime.fromisoformat(recorded)
    local = moment.astimezone(ZoneInfo(timezone))
    said = f"recorded {_long(local.date())} at {local:%H:%M}"
    actor = (event.get("actor") or {}).get("name")
    if actor:
        said += f" by {actor}"
    day = happened_on(event.get("data") or {})
    return f"on {_long(_day(day))}, {said}" if day is not None else said


def dated(events: list[dict[str, Any]], timezone: str) -> list[dict[str, Any]]:
    """Each event with `on` (the day its step happened, `YYYY-MM-DD`, or None) and `when`."""
    for event in events:
        day = happened_on(event.get("data") or {})
        event["on"] = _day(day).isoformat() if day is not None else None
        event["when"] = when(event, timezone)
    return events
