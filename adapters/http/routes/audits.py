"""Audits: the year's multi-agency case audits (up to four), bespoke and single-agency audits,
their findings (and the learning they identify) and completion."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Query, Response

from adapters.http.auth import App, CurrentActor, Reader
from adapters.http.dated import dated
from adapters.http.etag import etag, expected_version
from adapters.http.paging import MAX_LIMIT, After, Limit, page
from adapters.http.params import AsOf, as_of_moment, stood
from adapters.http.schemas import audits as schemas
from adapters.http.schemas import corrections
from domain.audit import STATUSES
from domain.errors import InvalidField
from services.errors import NotFound

router = APIRouter(prefix="/api/v1/audits", tags=["audits"])
IfMatch = Annotated[str | None, Header()]


def _current(
    ll: App, audit_id: UUID, response: Response, moment: datetime | None = None
) -> dict[str, Any]:
    doc = ll.read_models.audit(str(audit_id), moment)
    if doc is None:
        raise NotFound("audit", str(audit_id))
    response.headers["ETag"] = etag(doc["version"])
    return stood(doc, moment)


def _id(ll: App, audit_id: str) -> UUID:
    """The id the path names: the record's id, or its reference (ADR 0045)."""
    return ll.audits.resolve(audit_id)


@router.post("", status_code=201)
def plan(
    body: schemas.NewAudit, ll: App, actor: CurrentActor, response: Response
) -> dict[str, Any]:
    audit_id = ll.audits.plan(actor, body.to_command())
    response.headers["Location"] = f"{router.prefix}/{audit_id}"
    return _current(ll, audit_id, response)


@router.get("")
def list_audits(
    ll: App,
    _: Reader,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="reporting year")] = None,
    status: Annotated[str | None, Query(description="planned, completed or withdrawn")] = None,
    limit: Limit = MAX_LIMIT,
    after: After = None,
) -> dict[str, Any]:
    """Withdrawn audits are left out unless asked for (`status=withdrawn`)."""
    if status is not None and status not in STATUSES:
        raise InvalidField("status", f"expected one of: {', '.join(STATUSES)}")
    audits, next_after = page(ll.read_models.audits(year, status), after, limit)
    return {"audits": audits, "next_after": next_after}


@router.get("/{audit_id}")
def get_audit(
    audit_id: str, ll: App, _: Reader, response: Response, as_of: AsOf = None
) -> dict[str, Any]:
    return _current(ll, _id(ll, audit_id), response, as_of_moment(as_of))


@router.get("/{audit_id}/history")
def history(audit_id: str, ll: App, _: Reader) -> dict[str, Any]:
    events = ll.read_models.history(str(_id(ll, audit_id)), "audit")
    if not events:
        raise NotFound("audit", audit_id)
    return {"events": dated(events, ll.framework.timezone)}


@router.post("/{audit_id}/findings", status_code=201)
def record_finding(
    audit_id: str,
    body: schemas.Finding,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    uid = _id(ll, audit_id)
    finding_id, item_id = ll.audits.record_finding(
        uid, actor, body.to_command(), expected_version(if_match)
    )
    doc = _current(ll, uid, response)
    finding = next(f for f in doc["findings"] if f["finding_id"] == finding_id)
    return {**finding, "id": finding_id, "learning_item_id": str(item_id) if item_id else None}


@router.post("/{audit_id}/complete")
def complete(
    audit_id: str,
    body: schemas.AuditCompletion,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    uid = _id(ll, audit_id)
    ll.audits.complete(uid, actor, body.to_command(), expected_version(if_match))
    return _current(ll, uid, response)


@router.post("/{audit_id}/corrections", status_code=201)
def correct(
    audit_id: str,
    body: corrections.AuditCorrection,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """The kind, theme, date or agency put right with a reason; history keeps the old values."""
    uid = _id(ll, audit_id)
    ll.audits.correct(uid, actor, body.to_command(), expected_version(if_match))
    return _current(ll, uid, response)


@router.post("/{audit_id}/withdraw")
def withdraw(
    audit_id: str,
    body: corrections.Withdrawal,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """An audit that will not happen: kept in history, its place in the year's four freed."""
    uid = _id(ll, audit_id)
    ll.audits.withdraw(uid, actor, body.to_command(), expected_version(if_match))
    return _current(ll, uid, response)
