"""Case reviews and audits (lists and detail pages) and the inspection page: the audit trail with
filters and paging, and the integrity digest."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from adapters.http.params import MAX_POSITION, has_control_characters, parse_timestamp
from adapters.persistence.integrity import head_digest
from adapters.web.pages import Visit, WebError, page_errors, render, visit
from domain.errors import InvalidField
from projections.read import AuditFilter
from services.errors import NotFound

router = APIRouter()
Visitor = Annotated[Visit, Depends(visit)]
TRAIL_PAGE = 50


@router.get("/case-reviews")
def case_reviews(request: Request, v: Visitor) -> Response:
    reviews = v.ll.read_models.case_reviews()
    return render(request, "case_reviews.html", visit=v, title="Case reviews", reviews=reviews)


@router.get("/case-reviews/{raw_id}")
def case_review(request: Request, raw_id: str, v: Visitor) -> Response:
    with page_errors():
        review = v.ll.read_models.case_review(str(v.ll.case_reviews.resolve(raw_id)))
        if review is None:
            raise NotFound("case review", raw_id)
    hidden = v.hidden()
    links = [link for link in review["learning_items"] if link["subgroup"] not in hidden]
    slug = review["notifying_agency"]
    agency = next((a.name for a in v.ll.framework.agencies if a.slug == slug), slug)
    return render(
        request,
        "case_review.html",
        visit=v,
        title=f"Case review {review['case_reference']}",
        review={**review, "learning_items": links},
        agency=agency,
        today=v.today.isoformat(),
    )


@router.get("/audits")
def audits(request: Request, v: Visitor) -> Response:
    found = v.ll.read_models.audits()
    return render(request, "audits.html", visit=v, title="Audits", audits=found)


@router.get("/audits/{raw_id}")
def audit(request: Request, raw_id: str, v: Visitor) -> Response:
    with page_errors():
        doc = v.ll.read_models.audit(str(v.ll.audits.resolve(raw_id)))
        if doc is None:
            raise NotFound("audit", raw_id)
    return render(request, "audit.html", visit=v, title=f"Audit: {doc['theme']}", audit=doc)


@router.get("/inspection")
def inspection(
    request: Request,
    v: Visitor,
    subgroup: str = "",
    actor: str = "",
    type: str = "",
    since: str = "",
    until: str = "",
    after: int = 0,
) -> Response:
    ll = v.ll
    filters = {"subgroup": subgroup, "actor": actor, "type": type, "since": since, "until": until}
    if any(has_control_characters(value) for value in filters.values()):
        raise WebError(422, "Check the filters", "A filter cannot hold control characters.")
    errors: dict[str, str] = {}
    moments = {}
    for name in ("since", "until"):
        try:
            moments[name] = parse_timestamp(filters[name], name) if filters[name] else None
        except InvalidField:
            errors[name] = "Enter a date as YYYY-MM-DD, for example 2027-01-31"
            moments[name] = None
    if not 0 <= after <= MAX_POSITION:
        raise WebError(404, "Page not found", "There is no such page of the audit trail.")
    where = AuditFilter(
        subgroup=subgroup or None,
        actor=actor or None,
        type=type or None,
        since=moments["since"],
        until=moments["until"],
    )
    events, next_after = ll.read_models.audit_trail(after, TRAIL_PAGE, where, v.hidden())
    digest = head_digest(ll.log.recorder)
    return render(
        request,
        "inspection.html",
        visit=v,
        title="Inspection",
        events=events,
        more=len(events) == TRAIL_PAGE,
        next_after=next_after,
        after=after,
        filters=filters,
        filter_errors=errors,
        subgroups=[s for s in ll.framework.subgroups if s.slug not in v.hidden()],
        digest={"position": digest.position, "head_hash": digest.head_hash.hex()},
    )
