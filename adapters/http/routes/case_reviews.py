"""Case reviews: from notification to published review, with the learning that came out of it."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Response

from adapters.http import schemas
from adapters.http.auth import App, CurrentActor, Reader, hidden_subgroups
from adapters.http.etag import etag, expected_version
from adapters.http.params import parse_id
from domain.actor import Actor
from domain.errors import InvalidField
from services.errors import NotFound

router = APIRouter(prefix="/api/v1/case-reviews", tags=["case reviews"])
IfMatch = Annotated[str | None, Header()]
STATUSES = (
    "notified",
    "criteria_assessed",
    "decided",
    "in_review",
    "report_received",
    "response_agreed",
    "published",
    "closed",
)


def _current(ll: App, review_id: UUID, response: Response, actor: Actor) -> dict[str, Any]:
    doc = ll.read_models.case_review(str(review_id))
    if doc is None:
        raise NotFound("case review", str(review_id))
    response.headers["ETag"] = etag(doc["version"])
    return _visible(ll, doc, actor)


def _visible(ll: App, doc: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """Learning linked into a restricted subgroup is not listed for a reader who may not see it."""
    hidden = hidden_subgroups(ll, actor)
    links = [link for link in doc["learning_items"] if link["subgroup"] not in hidden]
    return {**doc, "learning_items": links}


def _id(review_id: str) -> UUID:
    return parse_id(review_id, "case review")


@router.post("", status_code=201)
def notify(
    body: schemas.Notification, ll: App, actor: CurrentActor, response: Response
) -> dict[str, Any]:
    review_id = ll.case_reviews.notify(actor, **body.model_dump())
    response.headers["Location"] = f"{router.prefix}/{review_id}"
    return _current(ll, review_id, response, actor)


@router.get("")
def list_reviews(ll: App, actor: Reader, status: str | None = None) -> dict[str, Any]:
    if status is not None and status not in STATUSES:
        raise InvalidField("status", f"expected one of: {', '.join(STATUSES)}")
    return {"case_reviews": [_visible(ll, r, actor) for r in ll.read_models.case_reviews(status)]}


@router.get("/{review_id}")
def get_review(review_id: str, ll: App, actor: Reader, response: Response) -> dict[str, Any]:
    return _current(ll, _id(review_id), response, actor)


@router.get("/{review_id}/history")
def history(review_id: str, ll: App, _: Reader) -> dict[str, Any]:
    events = ll.read_models.history(str(_id(review_id)), "case_review")
    if not events:
        raise NotFound("case review", review_id)
    return {"events": events}


def _command(name: str, path: str, body_type: type[schemas.Body]) -> None:
    """Registers `POST /case-reviews/{id}/<path>`, calling the service method `name`."""

    def command(
        review_id: str,
        body: body_type,  # type: ignore[valid-type]
        ll: App,
        actor: CurrentActor,
        response: Response,
        if_match: IfMatch = None,
    ) -> dict[str, Any]:
        uid = _id(review_id)
        method = getattr(ll.case_reviews, name)
        method(uid, actor, expected_version(if_match), **body.model_dump())
        return _current(ll, uid, response, actor)

    command.__name__ = name
    router.post(f"/{{review_id}}/{path}", status_code=201, name=name)(command)


for _name, _path, _body in (
    ("assess_criteria", "criteria", schemas.Criteria),
    ("decide", "decision", schemas.Decision),
    ("choose_methodology", "methodology", schemas.Methodology),
    ("record_involvement", "involvement", schemas.Involvement),
    ("receive_final_report", "final-report", schemas.FinalReport),
    ("agree_board_response", "board-response", schemas.BoardResponse),
    ("publish", "publication", schemas.Publication),
    ("reach_milestone", "milestones", schemas.Milestone),
):
    _command(_name, _path, _body)


@router.post("/{review_id}/learning", status_code=201)
def extract_learning(
    review_id: str,
    body: schemas.NewItem,
    ll: App,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    uid = _id(review_id)
    item_id = ll.case_reviews.extract_learning(
        uid,
        actor,
        expected_version(if_match),
        subgroup=body.subgroup,
        title=body.title,
        description=body.description,
        source_kind=body.source.kind,
        source_reference=body.source.reference,
        themes=body.themes,
    )
    doc = ll.read_models.item(str(item_id), ll.learning.today())
    assert doc is not None
    response.headers["Location"] = f"/api/v1/learning-items/{item_id}"
    response.headers["ETag"] = etag(doc["version"])
    return doc
