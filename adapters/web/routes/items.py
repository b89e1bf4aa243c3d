"""A learning item's page: details, actions, measures, the forms the role may use, the timeline,
and the item as it stood on a chosen date."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from adapters.http.auth import check_item_readable
from adapters.http.dated import dated
from adapters.http.params import parse_id
from adapters.web.pages import Visit, page_errors, render, visit
from domain import access, loop
from projections.views import items as item_summary
from services.errors import NotFound

router = APIRouter()
Visitor = Annotated[Visit, Depends(visit)]


def item_id(raw: str) -> UUID:
    with page_errors():
        return parse_id(raw, "learning item")


def _as_it_stood(v: Visit, uid: UUID, day: date) -> dict[str, Any] | None:
    """The item at the end of `day` (the partnership's time zone), folded by the same projection
    that keeps the current view; None if it did not exist yet."""
    zone = ZoneInfo(v.ll.framework.timezone)
    moment = datetime.combine(day + timedelta(days=1), time.min, zone) - timedelta(microseconds=1)
    doc = None
    for event in v.ll.learning.events_until(uid, moment):
        doc = item_summary.evolve(doc, event)
    return None if doc is None else item_summary.rated(doc, day)


def item_page(
    request: Request,
    v: Visit,
    raw_id: str,
    as_of: str = "",
    errors: dict[str, Any] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    status: int = 200,
) -> Response:
    with page_errors():
        uid, ll = v.ll.learning.resolve(raw_id), v.ll  # by its id or its reference
    with page_errors():
        current = ll.read_models.item(str(uid), v.today)
        if current is None:
            raise NotFound("learning item", str(uid))
        check_item_readable(ll, v.actor, current["subgroup"], str(uid))
    day, as_of_error, doc = None, None, current
    if as_of:
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            as_of_error = "Enter a date as YYYY-MM-DD, for example 2027-01-31"
        else:
            with page_errors():
                doc = _as_it_stood(v, uid, day) or {}
    subgroup = ll.framework.subgroup(current["subgroup"])
    writable = day is None and access.may_write(v.actor, subgroup.slug)
    return render(
        request,
        "item.html",
        status,
        visit=v,
        title=current["title"],
        item=doc,
        current=current,
        subgroup=subgroup,
        history=dated(ll.read_models.history(str(uid), "learning_item"), ll.framework.timezone),
        as_of=as_of,
        as_of_day=day,
        as_of_error=as_of_error,
        may_write=writable,
        may_close=day is None and access.may_close(v.actor, subgroup.slug),
        may_override=access.may_override_closure(v.actor),
        statuses=loop.PROGRESS_STATUSES,
        outcomes=loop.OUTCOMES,
        errors=errors,
        values=values or {},
    )


@router.get("/items/{raw_id}")
def show_item(request: Request, raw_id: str, v: Visitor, as_of: str = "") -> Response:
    return item_page(request, v, raw_id, as_of.strip())
