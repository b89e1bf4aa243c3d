"""Inspection: the partnership-wide audit trail, the follow-ups due or overdue, and the event
log's integrity digest (ADR 0011)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query

from adapters.http.auth import App, Reader, hidden_subgroups
from adapters.http.dated import dated
from adapters.http.params import MAX_POSITION, PRINTABLE, AsOf, as_of_moment, parse_timestamp
from adapters.persistence.integrity import head_digest
from domain.errors import InvalidField
from domain.event_types import event_type_named, event_types
from domain.framework import Framework
from domain.loop import local_date
from domain.reminder_rules import next_reminder
from projections.read import AuditFilter

router = APIRouter(prefix="/api/v1", tags=["inspection"])


@router.get("/audit-trail")
def audit_trail(
    ll: App,
    reader: Reader,
    after: Annotated[int, Query(ge=0, le=MAX_POSITION)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    subgroup: Annotated[
        str | None, Query(description="a subgroup's slug", pattern=PRINTABLE)
    ] = None,
    actor: Annotated[
        str | None, Query(description="a user's id or name", pattern=PRINTABLE)
    ] = None,
    type: Annotated[
        str | None,
        Query(description="an event type, e.g. MeansChosen (any case)", pattern=PRINTABLE),
    ] = None,
    since: Annotated[str | None, Query(description="ISO 8601, inclusive")] = None,
    until: Annotated[str | None, Query(description="ISO 8601, exclusive")] = None,
) -> dict[str, Any]:
    where = AuditFilter(
        subgroup=_subgroup(ll.framework, subgroup) if subgroup is not None else None,
        actor=actor.strip() or None if actor is not None else None,
        type=_event_type(type) if type is not None else None,
        since=parse_timestamp(since, "since") if since else None,
        until=parse_timestamp(until, "until") if until else None,
    )
    hidden = hidden_subgroups(ll, reader)
    events, next_after = ll.read_models.audit_trail(after, limit, where, hidden)
    return {"events": dated(events, ll.framework.timezone), "next_after": next_after}


def _subgroup(framework: Framework, slug: str) -> str:
    known = [s.slug for s in framework.subgroups]
    if slug not in known:
        raise InvalidField("subgroup", f"no subgroup '{slug}'; expected one of: {', '.join(known)}")
    return slug


def _event_type(name: str) -> str:
    found = event_type_named(name)
    if found is None:
        expected = ", ".join(event_types())
        raise InvalidField("type", f"no event type '{name}'; expected one of: {expected}")
    return found


@router.get("/follow-ups")
def follow_ups(
    ll: App,
    reader: Reader,
    within_days: Annotated[int, Query(ge=0, le=3660)] = 14,
    as_of: AsOf = None,
) -> dict[str, Any]:
    """With `as_of`, the follow-ups as recorded by then, due and overdue on that day."""
    moment = as_of_moment(as_of)
    today = ll.learning.today() if moment is None else local_date(moment, ll.framework.timezone)
    until = today + timedelta(days=within_days)
    items = ll.read_models.follow_ups(today, until, hidden_subgroups(ll, reader), moment)
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
