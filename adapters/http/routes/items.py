"""Learning items: the loop's commands and the item's current state, as at a time, and history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Query, Response

from adapters.http.auth import App, CurrentActor, Reader, check_item_readable, hidden_subgroups
from adapters.http.dated import dated
from adapters.http.etag import etag, expected_version
from adapters.http.paging import MAX_LIMIT, After, Limit, page
from adapters.http.params import parse_timestamp
from adapters.http.schemas import corrections
from adapters.http.schemas import items as schemas
from domain import loop
from domain.errors import InvalidField
from services.errors import NotFound

router = APIRouter(prefix="/api/v1/learning-items", tags=["learning items"])
IfMatch = Annotated[str | None, Header()]


def _id(ll: App, item_id: str) -> UUID:
    """The id the path names: the record's id, or its reference (ADR 0045)."""
    return ll.learning.resolve(item_id)


def _current(ll: App, item_id: UUID, response: Response) -> dict[str, Any]:
    doc = ll.read_models.item(str(item_id), ll.learning.today())
    if doc is None:
        raise NotFound("learning item", str(item_id))
    response.headers["ETag"] = etag(doc["version"])
    return doc


def _part(doc: dict[str, Any], key: str, part_id: str) -> dict[str, Any]:
    return next(p for p in doc[key] if p["id"] == part_id)


@router.post("", status_code=201)
def identify(
    body: schemas.NewItem, ll: App, actor: CurrentActor, response: Response
) -> dict[str, Any]:
    item_id = ll.learning.identify(actor, body.to_command())
    response.headers["Location"] = f"{router.prefix}/{item_id}"
    return _current(ll, item_id, response)


@router.get("")
def list_items(
    ll: App,
    reader: Reader,
    subgroup: str | None = None,
    stage: str | None = None,
    overdue: bool = False,
    limit: Limit = MAX_LIMIT,
    after: After = None,
) -> dict[str, Any]:
    if subgroup is not None and not ll.framework.has_subgroup(subgroup):
        raise InvalidField("subgroup", f"no subgroup '{subgroup}' in the framework")
    stages = (*loop.STAGES, loop.WITHDRAWN)
    if stage is not None and stage not in stages:
        raise InvalidField("stage", f"expected one of: {', '.join(stages)}")
    items = ll.read_models.items(
        ll.learning.today(),
        subgroup=subgroup,
        stage=stage,
        overdue=overdue,
        hidden_subgroups=hidden_subgroups(ll, reader),
    )
    items, next_after = page(items, after, limit)
    return {"items": items, "next_after": next_after}


@router.get("/{item_id}")
def get_item(
    item_id: str,
    ll: App,
    reader: Reader,
    response: Response,
    as_of: Annotated[str | None, Query(description="ISO 8601 timestamp")] = None,
) -> dict[str, Any]:
    """404 for an item of a restricted subgroup the reader may not see (as for no item)."""
    if as_of is None:
        doc = _current(ll, _id(ll, item_id), response)
    else:
        moment = parse_timestamp(as_of, "as_of")
        doc = _as_it_stood(ll, _id(ll, item_id), moment, response)
    check_item_readable(ll, reader, doc["subgroup"], item_id)
    return doc


def _as_it_stood(ll: App, item_id: UUID, moment: datetime, response: Response) -> dict[str, Any]:
    """The item as recorded by `moment` (its version then, ADR 0041), rated on that day."""
    today = loop.local_date(moment, ll.framework.timezone)
    doc = ll.read_models.item_as_of(str(item_id), moment, today)
    if doc is None:
        raise NotFound("learning item", f"{item_id} as of {moment.isoformat()}")
    response.headers["ETag"] = etag(doc["version"])
    return {**doc, "as_of": moment.isoformat()}


@router.get("/{item_id}/history")
def history(item_id: str, ll: App, reader: Reader) -> dict[str, Any]:
    events = ll.read_models.history(str(_id(ll, item_id)), "learning_item")
    if not events:
        raise NotFound("learning item", item_id)
    for event in events:
        check_item_readable(ll, reader, event["subgroup"], item_id)
    return {"events": dated(events, ll.framework.timezone)}


@router.post("/{item_id}/actions", status_code=201)
def choose_means(
    item_id: str,
    body: schemas.NewAction,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    uid = _id(ll, item_id)
    action_id = ll.learning.choose_means(uid, actor, body.to_command(), expected_version(if_match))
    return _part(_current(ll, uid, response), "actions", action_id)


@router.post("/{item_id}/actions/{action_id}/updates", status_code=201)
def report_progress(
    item_id: str,
    action_id: str,
    body: schemas.ProgressUpdate,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    uid = _id(ll, item_id)
    ll.learning.report_progress(uid, actor, body.to_command(action_id), expected_version(if_match))
    return _part(_current(ll, uid, response), "actions", action_id)


@router.post("/{item_id}/actions/{action_id}/amendments", status_code=201)
def amend_action(
    item_id: str,
    action_id: str,
    body: schemas.ActionAmendment,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """A new owner (with the owner's email) or a new due date; history keeps the old values."""
    uid = _id(ll, item_id)
    ll.learning.amend_action(uid, actor, body.to_command(action_id), expected_version(if_match))
    return _part(_current(ll, uid, response), "actions", action_id)


@router.post("/{item_id}/measures", status_code=201)
def define_measure(
    item_id: str,
    body: schemas.NewMeasure,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    uid = _id(ll, item_id)
    measure_id = ll.learning.define_measure(
        uid, actor, body.to_command(), expected_version(if_match)
    )
    return _part(_current(ll, uid, response), "measures", measure_id)


@router.post("/{item_id}/measures/{measure_id}/evidence", status_code=201)
def record_evidence(
    item_id: str,
    measure_id: str,
    body: schemas.NewEvidence,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    uid = _id(ll, item_id)
    ll.learning.record_evidence(uid, actor, body.to_command(measure_id), expected_version(if_match))
    return _part(_current(ll, uid, response), "measures", measure_id)


@router.post("/{item_id}/corrections", status_code=201)
def correct(
    item_id: str,
    body: schemas.Correction,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    uid = _id(ll, item_id)
    ll.learning.correct(uid, actor, body.to_command(), expected_version(if_match))
    return _current(ll, uid, response)


@router.post("/{item_id}/close")
def close(
    item_id: str,
    body: schemas.Closure,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    uid = _id(ll, item_id)
    ll.learning.close_item(uid, actor, body.to_command(), expected_version(if_match))
    return _current(ll, uid, response)


@router.post("/{item_id}/reopen")
def reopen(
    item_id: str,
    body: schemas.Reopening,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    uid = _id(ll, item_id)
    ll.learning.reopen_item(uid, actor, body.to_command(), expected_version(if_match))
    return _current(ll, uid, response)


@router.post("/{item_id}/actions/{action_id}/withdraw")
def withdraw_action(
    item_id: str,
    action_id: str,
    body: corrections.ActionWithdrawal,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    uid = _id(ll, item_id)
    ll.learning.withdraw_action(uid, actor, body.to_command(action_id), expected_version(if_match))
    return _part(_current(ll, uid, response), "actions", action_id)


@router.post("/{item_id}/measures/{measure_id}/withdraw")
def withdraw_measure(
    item_id: str,
    measure_id: str,
    body: corrections.MeasureWithdrawal,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    uid = _id(ll, item_id)
    command = body.to_command(measure_id)
    ll.learning.withdraw_measure(uid, actor, command, expected_version(if_match))
    return _part(_current(ll, uid, response), "measures", measure_id)


@router.post("/{item_id}/withdraw")
def withdraw(
    item_id: str,
    body: corrections.Withdrawal,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """A duplicate or mistaken item: kept in history, gone from boards, counts and reminders."""
    uid = _id(ll, item_id)
    ll.learning.withdraw_item(uid, actor, body.to_command(), expected_version(if_match))
    return _current(ll, uid, response)
