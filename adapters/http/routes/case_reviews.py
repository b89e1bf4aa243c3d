"""Case reviews: from notification to published review, with the learning that came out of it."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Response

from adapters.http.auth import App, CurrentActor, Reader, hidden_subgroups
from adapters.http.dated import dated
from adapters.http.etag import etag, expected_version
from adapters.http.paging import MAX_LIMIT, After, Limit, page
from adapters.http.params import AsOf, as_of_moment, stood
from adapters.http.schemas import case_reviews as schemas
from adapters.http.schemas import corrections
from adapters.http.schemas.items import NewItem
from domain.actor import Actor
from domain.case_review import STATUSES
from domain.errors import InvalidField
from services.errors import NotFound

router = APIRouter(prefix="/api/v1/case-reviews", tags=["case reviews"])
IfMatch = Annotated[str | None, Header()]


def _current(
    ll: App, review_id: UUID, response: Response, actor: Actor, moment: datetime | None = None
) -> dict[str, Any]:
    doc = ll.read_models.case_review(str(review_id), moment)
    if doc is None:
        raise NotFound("case review", str(review_id))
    response.headers["ETag"] = etag(doc["version"])
    return stood(_visible(ll, doc, actor), moment)


def _visible(ll: App, doc: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """Learning linked into a restricted subgroup is not listed for a reader who may not see it."""
    hidden = hidden_subgroups(ll, actor)
    links = [link for link in doc["learning_items"] if link["subgroup"] not in hidden]
    return {**doc, "learning_items": links}


def _id(ll: App, review_id: str) -> UUID:
    """The id the path names: the record's id, or its reference (ADR 0045)."""
    return ll.case_reviews.resolve(review_id)


@router.post("", status_code=201)
def notify(
    body: schemas.Notification, ll: App, actor: CurrentActor, response: Response
) -> dict[str, Any]:
    review_id = ll.case_reviews.notify(actor, body.to_command())
    response.headers["Location"] = f"{router.prefix}/{review_id}"
    return _current(ll, review_id, response, actor)


@router.get("")
def list_reviews(
    ll: App, actor: Reader, status: str | None = None, limit: Limit = MAX_LIMIT, after: After = None
) -> dict[str, Any]:
    """Withdrawn reviews are left out unless asked for (`status=withdrawn`)."""
    if status is not None and status not in STATUSES:
        raise InvalidField("status", f"expected one of: {', '.join(STATUSES)}")
    reviews, next_after = page(ll.read_models.case_reviews(status), after, limit)
    return {"case_reviews": [_visible(ll, r, actor) for r in reviews], "next_after": next_after}


@router.get("/{review_id}")
def get_review(
    review_id: str, ll: App, actor: Reader, response: Response, as_of: AsOf = None
) -> dict[str, Any]:
    return _current(ll, _id(ll, review_id), response, actor, as_of_moment(as_of))


@router.get("/{review_id}/history")
def history(review_id: str, ll: App, _: Reader) -> dict[str, Any]:
    events = ll.read_models.history(str(_id(ll, review_id)), "case_review")
    if not events:
        raise NotFound("case review", review_id)
    return {"events": dated(events, ll.framework.timezone)}


@router.post("/{review_id}/criteria", status_code=201)
def assess_criteria(
    review_id: str,
    body: schemas.Criteria,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    uid = _id(ll, review_id)
    ll.case_reviews.assess_criteria(uid, actor, body.to_command(), expected_version(if_match))
    return _current(ll, uid, response, actor)


@router.post("/{review_id}/decision", status_code=201)
def decide(
    review_id: str,
    body: schemas.Decision,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    uid = _id(ll, review_id)
    ll.case_reviews.decide(uid, actor, body.to_command(), expected_version(if_match))
    return _current(ll, uid, response, actor)


@router.post("/{review_id}/methodology", status_code=201)
def choose_methodology(
    review_id: str,
    body: schemas.Methodology,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    uid = _id(ll, review_id)
    ll.case_reviews.choose_methodology(uid, actor, body.to_command(), expected_version(if_match))
    return _current(ll, uid, response, actor)


@router.post("/{review_id}/involvement", status_code=201)
def record_involvement(
    review_id: str,
    body: schemas.Involvement,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    uid = _id(ll, review_id)
    ll.case_reviews.record_involvement(uid, actor, body.to_command(), expected_version(if_match))
    return _current(ll, uid, response, actor)


@router.post("/{review_id}/final-report", status_code=201)
def receive_final_report(
    review_id: str,
    body: schemas.FinalReport,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    uid = _id(ll, review_id)
    ll.case_reviews.receive_final_report(uid, actor, body.to_command(), expected_version(if_match))
    return _current(ll, uid, response, actor)


@router.post("/{review_id}/board-response", status_code=201)
def agree_board_response(
    review_id: str,
    body: schemas.BoardResponse,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    uid = _id(ll, review_id)
    ll.case_reviews.agree_board_response(uid, actor, body.to_command(), expected_version(if_match))
    return _current(ll, uid, response, actor)


@router.post("/{review_id}/publication", status_code=201)
def publish(
    review_id: str,
    body: schemas.Publication,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    uid = _id(ll, review_id)
    ll.case_reviews.publish(uid, actor, body.to_command(), expected_version(if_match))
    return _current(ll, uid, response, actor)


@router.post("/{review_id}/milestones", status_code=201)
def reach_milestone(
    review_id: str,
    body: schemas.Milestone,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    uid = _id(ll, review_id)
    ll.case_reviews.reach_milestone(uid, actor, body.to_command(), expected_version(if_match))
    return _current(ll, uid, response, actor)


@router.post("/{review_id}/learning", status_code=201)
def extract_learning(
    review_id: str,
    body: NewItem,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    uid = _id(ll, review_id)
    item_id = ll.case_reviews.extract_learning(
        uid, actor, body.to_command(), expected_version(if_match)
    )
    doc = ll.read_models.item(str(item_id), ll.learning.today())
    assert doc is not None
    response.headers["Location"] = f"/api/v1/learning-items/{item_id}"
    response.headers["ETag"] = etag(doc["version"])
    return doc


@router.post("/{review_id}/corrections", status_code=201)
def correct_step(
    review_id: str,
    body: corrections.StepCorrection,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """A step's date, or the facts the criteria were assessed on, put right with a reason."""
    uid = _id(ll, review_id)
    ll.case_reviews.correct_step(uid, actor, body.to_command(), expected_version(if_match))
    return _current(ll, uid, response, actor)


@router.post("/{review_id}/withdraw")
def withdraw(
    review_id: str,
    body: corrections.Withdrawal,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """A review opened by mistake: kept in history, gone from lists, counts and clocks."""
    uid = _id(ll, review_id)
    ll.case_reviews.withdraw(uid, actor, body.to_command(), expected_version(if_match))
    return _current(ll, uid, response, actor)
