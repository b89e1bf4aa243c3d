"""A subgroup's due dates as an RFC 5545 calendar, for a calendar client to subscribe to.

One all-day event per open action's due date and per review date of a measure not yet met, on
the subgroup's open items (closed items have none), and, for the subgroup that runs case reviews,
per case-review clock not yet met. Each event's UID is stable per target and its SEQUENCE is the
version of the item (or review) it belongs to, so a client that fetches the calendar again
updates an event whose date moved instead of adding a second one, and drops one that is gone.

CATEGORIES carry the target's kind and its RAG: an action's RAG as the loop rates it; a measure
or clock is red once its date has passed, a measure amber while its latest evidence falls short
of met, otherwise green.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Response
from icalendar import Calendar, Event

from adapters.http.auth import App, Reader, check_subgroup_readable
from domain import loop
from domain.case_review import clock_rag
from services.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["calendar"])
MEDIA_TYPE = "text/calendar; charset=utf-8"
PRODID = "-//learnloop//learning and improvement due dates//EN"
ITEMS = "/api/v1/learning-items"
CASE_REVIEWS = "/api/v1/case-reviews"


@router.get(
    "/subgroups/{slug}/calendar.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}, "description": "an iCalendar file"}},
)
def calendar_feed(slug: str, ll: App, reader: Reader) -> Response:
    if not ll.framework.has_subgroup(slug):
        raise NotFound("subgroup", slug)
    check_subgroup_readable(ll, reader, slug)
    subgroup = ll.framework.subgroup(slug)
    today = ll.learning.today()
    stamp = ll.clock().astimezone(UTC)

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"learnloop: {subgroup.name}")
    cal.add("x-wr-timezone", ll.framework.timezone)

    for item in ll.read_models.items(today, subgroup=slug):
        if item["stage"] == loop.CLOSED:
            continue
        for event in _item_events(item, today):
            event.add("dtstamp", stamp)
            cal.add_component(event)

    rules = ll.framework.case_reviews
    if rules is not None and rules.subgroup == slug:
        for review in ll.read_models.case_reviews():
            for event in _clock_events(review, today):
                event.add("dtstamp", stamp)
                cal.add_component(event)

    return Response(
        content=cal.to_ical(),
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": f'inline; filename="{slug}.ics"'},
    )


def _item_events(item: dict[str, Any], today: date) -> list[Event]:
    reference = item.get("reference")
    path = f"{ITEMS}/{reference or item['id']}"
    named = f"{reference}: {item['title']}" if reference else item["title"]
    events = []
    for action in item["actions"]:
        if action["status"] == loop.COMPLETE or action.get("withdrawn"):
            continue
        events.append(
            _event(
                uid=f"{action['id']}@learnloop",
                sequence=item["version"],
                due=date.fromisoformat(action["due"]),
                summary=f"Action due: {action['description']}",
                description=_lines(
                    f"Learning item: {named}",
                    f"Owner: {action['owner']}" if action.get("owner") else None,
                    f"Status: {action['status']}",
                    path,
                ),
                categories=["action", action["rag"]],
                modified=item.get("updated_at"),
            )
        )
    for measure in item["measures"]:
        if measure["outcome"] == loop.MET or measure.get("withdrawn"):
            continue
        due = date.fromisoformat(measure["review_due"])
        events.append(
            _event(
                uid=f"{measure['id']}@learnloop",
                sequence=item["version"],
                due=due,
                summary=f"Measure review: {measure['description']}",
                description=_lines(
                    f"Learning item: {named}",
                    f"Latest outcome: {measure['outcome']}" if measure["outcome"] else None,
                    path,
                ),
                categories=["measure", loop.measure_rag(measure["outcome"], due, today)],
                modified=item.get("updated_at"),
            )
        )
    return events


def _clock_events(review: dict[str, Any], today: date) -> list[Event]:
    events = []
    for clock in review.get("clocks", []):
        if clock["met_on"] is not None:
            continue
        due = date.fromisoformat(clock["due"])
        events.append(
            _event(
                uid=f"{review['id']}-{clock['name']}@learnloop",
                sequence=review["version"],
                due=due,
                summary=f"Case review {review['case_reference']}: {clock['label']}",
                description=_lines(
                    f"Case review: {review['case_reference']}",
                    f"Clock: {clock['label']}",
                    f"{CASE_REVIEWS}/{review['id']}",
                ),
                categories=["clock", clock_rag(due, today)],
                modified=review.get("updated_at"),
            )
        )
    return events


def _event(
    *,
    uid: str,
    sequence: int,
    due: date,
    summary: str,
    description: str,
    categories: list[str | None],
    modified: str | None,
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstart", due)
    event.add("dtend", due + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("categories", [c for c in categories if c])
    event.add("transp", "TRANSPARENT")
    if modified:
        event.add("last-modified", datetime.fromisoformat(modified).astimezone(UTC))
    return event


def _lines(*lines: str | None) -> str:
    return "\n".join(line for line in lines if line)
