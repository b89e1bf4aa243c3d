"""Inspection: the partnership-wide audit trail, the follow-ups due or overdue, and the event
log's integrity digest (ADR 0011)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query

from adapters.http.auth import App, Reader, hidden_subgroups
from adapters.http.params import MAX_POSITION, parse_timestamp
from adapters.persistence.integrity import head_digest
from domain.reminder_rules import next_reminder
from projections.read import AuditFilter

router = APIRouter(prefix="/api/v1", tags=["inspection"])


@router.get("/audit-trail")
def audit_trail(
    ll: App,
    reader: Reader,
    after: Annotated[int, Query(ge=0, le=MAX_POSITION)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    subgroup: str | None = None,
    actor: Annotated[str | None, Query(description="a user id")] = None,
    type: Annotated[str | None, Query(description="an event type, e.g. MeansChosen")] = None,
    since: Annotated[str | None, Query(description="ISO 8601, inclusive")] = None,
    until: Annotated[str | None, Query(description="ISO 8601, exclusive")] = None,
) -> dict[str, Any]:
    where = AuditFilter(
        subgroup=subgroup,
        actor=actor,
        type=type,
        since=parse_timestamp(since, "since") if since else None,
        until=parse_timestamp(until, "until") if until else None,
    )
    hidden = hidden_subgroups(ll, reader)
    events, next_after = ll.read_models.audit_trail(after, limit, where, hidden)
    return {"events": events, "next_after": next_after}


@router.get("/follow-ups")
def follow_ups(
    ll: App, reader: Reader, within_days: Annotated[int, Query(ge=0, le=3660)] = 14
) -> dict[str, Any]:
    today = ll.learning.today()
    until = today + timedelta(days=within_days)
    items = ll.read_models.follow_ups(today, until, hidden_subgroups(ll, reader))
    for item in items:
        upcoming = next_reminder(
            ll.framework.reminders, item["kind"], date.fromisoformat(item["due"]), today
        )
        item["next_reminder"] = (
            {"rule": upcoming[0].name, "label": upcoming[0].label, "on": upcoming[1].isoformat()}
            if upcoming
            else None
        )
    return {"as_of": today.isoformat(), "within_days": within_days, "follow_ups": items}


@router.get("/integrity/digest")
def integrity_digest(ll: App, _: Reader) -> dict[str, Any]:
    """The hash chain's head: save it, and `learnloop verify --digest POSITION:HASH` later
    shows whether the log up to it is unchanged and still there."""
    digest = head_digest(ll.log.recorder)
    return {"position": digest.position, "head_hash": digest.head_hash.hex()}
