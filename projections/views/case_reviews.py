"""Case reviews: each review's current state, the steps it has reached and its clocks, every
version of it (ADR 0010), and one row per clock with its due date (in days as its rule counts).

`evolve(doc, event, timezone)` is a pure fold, dispatching on the event's class;
`clocks(doc, rules, working_days)` derives each clock's due date and the date it was met from
the steps reached, by the framework's clock rules.
"""

from __future__ import annotations

from datetime import date
from functools import singledispatch
from typing import Any

import sqlalchemy as sa

from domain.case_review import CaseReview
from domain.framework import CaseReviewRules, Framework
from domain.loop import local_date
from domain.working_days import WorkingDays
from projections import documents, schema
from projections.documents import DocumentView
from projections.events import event_data, event_type, jsonable

Doc = dict[str, Any]
Data = dict[str, Any]
_NO_REVIEW = "no_review"

case_reviews = sa.Table(
    "view_case_reviews",
    schema.metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("case_reference", sa.Text, nullable=False, index=True),
    sa.Column("status", sa.String(32), nullable=False, index=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("doc", schema.Json, nullable=False),
)

review_clocks = sa.Table(
    "view_review_clocks",
    schema.metadata,
    sa.Column("review_id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("case_reference", sa.Text, nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("due", sa.Date, nullable=False, index=True),
    sa.Column("met_on", sa.Date),
)

case_review_versions = documents.versions_table("view_case_review_versions")


# -- the fold ----------------------------------------------------------------------------------


def evolve(doc: Doc | None, event: Any, timezone: str) -> Doc:
    data = event_data(event)
    on = local_date(event.timestamp, timezone).isoformat()
    if isinstance(event, CaseReview.Notified):
        doc = {
            "id": str(event.originator_id),
            "case_reference": data["case_reference"],
            "notified_on": data["notified_on"],
            "notifying_agency": data["notifying_agency"],
            "summary": data["summary"],
            "criteria": None,
            "required": None,
            "decision": None,
            "methodology": None,
            "involvement": [],
            "final_report": None,
            "board_response": None,
            "publication": None,
            "milestones": {},
            "learning_items": [],
            "steps": {"notified": data["notified_on"]},
            "steps_recorded_at": {"notified": jsonable(event.timestamp)},
            "created_at": jsonable(event.timestamp),
            "reference": data.get("reference"),
            "withdrawn": False,
            "withdrawal": None,
            "corrections": [],
        }
    else:
        assert doc is not None, f"{event_type(event)} before Notified"
        before = doc["steps"]
        doc = {**doc, "steps": dict(before)}
        _change(event, doc, data, on)
        # each step's day beside the time it was recorded (ADR 0040)
        recorded = dict(doc.get("steps_recorded_at") or {})
        for step, day in doc["steps"].items():
            if before.get(step) != day or step not in recorded:
                recorded[step] = jsonable(event.timestamp)
        doc["steps_recorded_at"] = recorded
    doc["version"] = event.originator_version
    doc["updated_at"] = jsonable(event.timestamp)
    doc["status"] = _status(doc)
    return doc


@singledispatch
def _change(event: Any, doc: Doc, data: Data, on: str) -> None:
    raise KeyError(f"the case review summary has no change for {event_type(event)}")


@_change.register(CaseReview.CriteriaAssessed)
def _criteria(event: Any, doc: Doc, data: Data, on: str) -> None:
    doc["criteria"] = data
    doc["required"] = data["required"]
    doc["steps"].setdefault("criteria_assessed", data["assessed_on"])


@_change.register(CaseReview.Decided)
def _decided(event: Any, doc: Doc, data: Data, on: str) -> None:
    doc["decision"] = data
    doc["steps"]["decided"] = data["decided_on"]


@_change.register(CaseReview.MethodologyChosen)
def _methodology(event: Any, doc: Doc, data: Data, on: str) -> None:
    doc["methodology"] = data
    doc["steps"].setdefault("methodology_chosen", data["chosen_on"])


@_change.register(CaseReview.InvolvementRecorded)
def _involvement(event: Any, doc: Doc, data: Data, on: str) -> None:
    doc["involvement"] = [*doc["involvement"], {**data, "recorded_on": on}]


@_change.register(CaseReview.FinalReportReceived)
def _final_report(event: Any, doc: Doc, data: Data, on: str) -> None:
    doc["final_report"] = data
    doc["steps"]["final_report_received"] = data["received_on"]


@_change.register(CaseReview.BoardResponseAgreed)
def _board_response(event: Any, doc: Doc, data: Data, on: str) -> None:
    doc["board_response"] = data
    doc["steps"]["board_response_agreed"] = data["agreed_on"]


@_change.register(CaseReview.Published)
def _published(event: Any, doc: Doc, data: Data, on: str) -> None:
    doc["publication"] = data
    doc["steps"]["published"] = data["published_on"]


@_change.register(CaseReview.MilestoneReached)
def _milestone(event: Any, doc: Doc, data: Data, on: str) -> None:
    doc["milestones"] = {**doc["milestones"], data["milestone"]: data["reached_on"]}
    doc["steps"][f"milestone:{data['milestone']}"] = data["reached_on"]


@_change.register(CaseReview.LearningLinked)
def _learning(event: Any, doc: Doc, data: Data, on: str) -> None:
    doc["learning_items"] = [*doc["learning_items"], data]


@_change.register(CaseReview.Withdrawn)
def _withdrawn(event: Any, doc: Doc, data: Data, on: str) -> None:
    doc["withdrawn"] = True
    doc["withdrawal"] = {"reason": data["reason"], "on": data["withdrawn_on"]}


@_change.register(CaseReview.ReferenceAssigned)
def _reference_assigned(event: Any, doc: Doc, data: Data, on: str) -> None:
    doc["reference"] = data["reference"]


_STEP_FIELDS = {
    "decided": ("decision", "decided_on"),
    "methodology_chosen": ("methodology", "chosen_on"),
    "final_report_received": ("final_report", "received_on"),
    "board_response_agreed": ("board_response", "agreed_on"),
    "published": ("publication", "published_on"),
}


@_change.register(CaseReview.StepCorrected)
def _step_corrected(event: Any, doc: Doc, data: Data, on: str) -> None:
    """The corrected step's date (and the part of the review that holds it), or the criteria's
    facts and what they require; the correction is listed with what it replaced."""
    step, day = data["step"], data["happened_on"]
    if data["criteria"] is not None:
        doc["criteria"] = {
            **(doc["criteria"] or {}),
            **data["criteria"],
            "outcome": data["outcome"],
            "required": data["required"],
        }
        doc["required"] = data["required"]
        if doc["decision"] is not None and data["departure"] is not None:
            doc["decision"] = {**doc["decision"], "departure": data["departure"]}
    if day is not None:
        doc["steps"][step] = day
        if step == "notified":
            doc["notified_on"] = day
        elif step == "criteria_assessed" and doc["criteria"] is not None:
            doc["criteria"] = {**doc["criteria"], "assessed_on": day}
        elif step.startswith("milestone:"):
            doc["milestones"] = {**doc["milestones"], step.removeprefix("milestone:"): day}
        elif step in _STEP_FIELDS and doc[_STEP_FIELDS[step][0]] is not None:
            part, field = _STEP_FIELDS[step]
            doc[part] = {**doc[part], field: day}
    doc["corrections"] = [*doc.get("corrections", []), {**data, "recorded_on": on}]


def _status(doc: Doc) -> str:
    if doc.get("withdrawn"):
        return "withdrawn"
    if doc["publication"]:
        return "published"
    if doc["board_response"]:
        return "response_agreed"
    if doc["final_report"]:
        return "report_received"
    if doc["methodology"]:
        return "in_review"
    if doc["decision"]:
        return "closed" if doc["decision"]["review_type"] == _NO_REVIEW else "decided"
    if doc["criteria"]:
        return "criteria_assessed"
    return "notified"


def clocks(doc: Doc, rules: CaseReviewRules, working_days: WorkingDays) -> list[Doc]:
    """Each clock that has started and applies to the review's type, with `due` and `met_on`;
    none for a withdrawn review."""
    if doc.get("withdrawn"):
        return []
    review_type = doc["decision"]["review_type"] if doc["decision"] else None
    result = []
    for rule in rules.clocks:
        start = doc["steps"].get(rule.starts_on)
        if start is None or not rule.applies(review_type):
            continue
        due = working_days.add(date.fromisoformat(start), rule.length, rule.unit)
        result.append(
            {
                "name": rule.name,
                "label": rule.label,
                "started_on": start,
                "due": due.isoformat(),
                "met_on": doc["steps"].get(rule.met_by),
            }
        )
    return result


# -- the view ----------------------------------------------------------------------------------


class CaseReviewView(DocumentView):
    """Case reviews by status, with each clock's due date (in days as its clock rule counts)."""

    name = "case_reviews"
    stream = CaseReview.Event
    table = case_reviews
    versions = case_review_versions
    derived = review_clocks
    derived_key = "review_id"

    def __init__(self, framework: Framework, working_days: WorkingDays) -> None:
        self.timezone = framework.timezone
        self.rules = framework.case_reviews
        self.working_days = working_days

    def evolve(self, doc: Doc | None, event: Any) -> Doc:
        doc = evolve(doc, event, self.timezone)
        if self.rules is not None:
            doc["clocks"] = clocks(doc, self.rules, self.working_days)
        return doc

    def row(self, doc: Doc) -> dict[str, Any]:
        return documents.row(doc, case_reference=doc["case_reference"], status=doc["status"])

    def span(self, doc: Doc) -> tuple[date, date | None]:
        ended = doc["publication"]["published_on"] if doc["publication"] else None
        if ended is None and doc["status"] == "closed":
            ended = doc["decision"]["decided_on"]
        if doc.get("withdrawal"):
            ended = doc["withdrawal"]["on"]
        return date.fromisoformat(doc["notified_on"]), documents.day(ended)

    def derive(self, doc: Doc) -> list[dict[str, Any]]:
        return clock_rows(doc)


def clock_rows(doc: Doc) -> list[dict[str, Any]]:
    """A review's clocks as the clocks table holds them."""
    return [
        {
            "review_id": doc["id"],
            "name": clock["name"],
            "case_reference": doc["case_reference"],
            "label": clock["label"],
            "due": date.fromisoformat(clock["due"]),
            "met_on": date.fromisoformat(clock["met_on"]) if clock["met_on"] else None,
        }
        for clock in doc.get("clocks", [])
    ]


# -- queries -----------------------------------------------------------------------------------


def review(conn: sa.Connection, review_id: str) -> Doc | None:
    query = sa.select(case_reviews.c.doc).where(case_reviews.c.id == review_id)
    return conn.execute(query).scalar()


def listed(conn: sa.Connection, status: str | None = None) -> list[Doc]:
    query = sa.select(case_reviews.c.doc).order_by(case_reviews.c.created_at, case_reviews.c.id)
    if status is not None:
        query = query.where(case_reviews.c.status == status)
    else:  # a withdrawn review is listed only when asked for (`status=withdrawn`)
        query = query.where(case_reviews.c.status != "withdrawn")
    return list(conn.execute(query).scalars())


def running_clocks(conn: sa.Connection, due_by: date) -> list[sa.RowMapping]:
    """The clocks not yet met that are due by `due_by`."""
    query = sa.select(review_clocks).where(
        review_clocks.c.met_on.is_(None), review_clocks.c.due <= due_by
    )
    return list(conn.execute(query).mappings())


def clock_dues(conn: sa.Connection, review_ids: list[str]) -> set[tuple[str, date]]:
    """(`review id/clock name`, due date) of the running clocks of `review_ids`."""
    clocks = review_clocks
    query = sa.select(clocks.c.review_id, clocks.c.name, clocks.c.due).where(
        clocks.c.met_on.is_(None), clocks.c.review_id.in_(review_ids)
    )
    return {(f"{review_id}/{name}", due) for review_id, name, due in conn.execute(query)}
