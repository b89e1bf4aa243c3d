"""The multi-agency dataset: indicators, the values agencies submit each quarter (and their
corrections), each series' trend, major changes and position against comparators."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Response

from adapters.http.auth import App, CurrentActor, Reader
from adapters.http.dated import dated
from adapters.http.etag import etag, expected_version
from adapters.http.paging import MAX_LIMIT, After, Limit, page
from adapters.http.params import AsOf, as_of_moment, stood
from adapters.http.schemas import dataset as schemas
from domain.indicator import Indicator
from services.errors import NotFound

router = APIRouter(prefix="/api/v1/dataset", tags=["dataset"])
IfMatch = Annotated[str | None, Header()]


def _current(
    ll: App, code: str, response: Response, moment: datetime | None = None
) -> dict[str, Any]:
    doc = ll.read_models.indicator(code, moment)
    if doc is None:
        raise NotFound("indicator", code)
    response.headers["ETag"] = etag(doc["version"])
    return stood(doc, moment)


@router.post("/indicators", status_code=201)
def define(
    body: schemas.NewIndicator, ll: App, actor: CurrentActor, response: Response
) -> dict[str, Any]:
    ll.dataset.define_indicator(actor, body.to_command())
    doc = _current(ll, body.code, response)
    response.headers["Location"] = f"{router.prefix}/indicators/{doc['code']}"
    return doc


@router.get("/indicators")
def list_indicators(
    ll: App, _: Reader, limit: Limit = MAX_LIMIT, after: After = None
) -> dict[str, Any]:
    indicators, next_after = page(ll.read_models.indicators(), after, limit, key="code")
    return {"indicators": indicators, "next_after": next_after}


@router.get("/indicators/{code}")
def get_indicator(
    code: str, ll: App, _: Reader, response: Response, as_of: AsOf = None
) -> dict[str, Any]:
    return _current(ll, code, response, as_of_moment(as_of))


@router.get("/indicators/{code}/history")
def history(code: str, ll: App, _: Reader) -> dict[str, Any]:
    events = ll.read_models.history(str(Indicator.id_for(code)), "indicator")
    if not events:
        raise NotFound("indicator", code)
    return {"events": dated(events, ll.framework.timezone)}


@router.post("/indicators/{code}/values", status_code=201)
def submit_value(
    code: str,
    body: schemas.NewValue,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """201 with the value as it now stands and the evidence it recorded for linked measures;
    409 when the agency already submitted for the period, unless `correction_reason` is given."""
    recorded = ll.dataset.submit_value(actor, body.to_command(code), expected_version(if_match))
    canonical, submission = recorded.submissions[0]
    doc = _current(ll, canonical, response)
    key = (submission.period, submission.agency)
    value = next(v for v in doc["values"] if (v["period"], v["agency"]) == key)
    return {"indicator": canonical, **value, "evidence": recorded.evidence}
