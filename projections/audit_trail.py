"""Audit trail: every recorded event of the partnership, in the order it was recorded."""

from __future__ import annotations

from typing import Any

from projections.records import actor_of, event_data, event_type, naive_utc, stream_type


def entry(position: int, event: Any, subgroup: str | None) -> dict[str, Any]:
    actor = actor_of(event)
    return {
        "position": position,
        "stream_id": str(event.originator_id),
        "stream_type": stream_type(event),
        "version": event.originator_version,
        "type": event_type(event),
        "recorded_at": naive_utc(event.timestamp),
        "actor_id": actor["id"],
        "actor_name": actor["name"],
        "actor_role": actor["role"],
        "subgroup": subgroup,
        "data": event_data(event),
    }


def subgroup_named(event: Any) -> str | None:
    """The subgroup a stream belongs to, when its event says so (its first event does)."""
    return getattr(event, "subgroup", None)
