"""Case review summary: each review's current state, the steps it has reached, and its clocks.

`evolve(doc, event, timezone)` is a pure fold; `clocks(doc, rules, working_days)` derives each
clock's due date and the date it was met from the steps reached, by the framework's clock rules.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.framework import CaseReviewRules
from domain.loop import local_date
from domain.working_days import WorkingDays
from projections.records import event_data, event_type, jsonable

Doc = dict[str, Any]
_NO_REVIEW = "no_review"


def evolve(doc: Doc | None, event: Any, timezone: str) -> Doc:
    kind = event_type(event)
    data = event_data(event)
    on = local_date(event.timestamp, timezone).isoformat()
    if kind == "Notified":
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
            "created_at": jsonable(event.timestamp),
            "reference": data.get("reference"),
            "withdrawn": False,
            "withdrawal": None,
            "corrections": [],
        }
    else:
        assert doc is not None, f"{kind} before Notified"
        doc = {**doc, "steps": dict(doc["steps"])}
        _CHANGES[kind](doc, data, on)
    doc["version"] = event.originator_version
    doc["updated_at"] = jsonable(event.timestamp)
    doc["status"] = _status(doc)
    return doc


def _criteria(doc: Doc, data: dict[str, Any], on: str) -> None:
    doc["criteria"] = data
    doc["required"] = data["required"]
    doc["steps"].setdefault("criteria_assessed", data["assessed_on"])


def _decided(doc: Doc, data: dict[str, Any], on: str) -> None:
    doc["decision"] = data
    doc["steps"]["decided"] = data["decided_on"]


def _methodology(doc: Doc, data: dict[str, Any], on: str) -> None:
    doc["methodology"] = data
    doc["steps"].setdefault("methodology_chosen", data["chosen_on"])


def _involvement(doc: Doc, data: dict[str, Any], on: str) -> None:
    doc["involvement"] = [*doc["involvement"], {**data, "recorded_on": on}]


def _final_report(doc: Doc, data: dict[str, Any], on: str) -> None:
    doc["final_report"] = data
    doc["steps"]["final_report_received"] = data["received_on"]


def _board_response(doc: Doc, data: dict[str, Any], on: str) -> None:
    doc["board_response"] = data
    doc["steps"]["board_response_agreed"] = data["agreed_on"]


def _published(doc: Doc, data: dict[str, Any], on: str) -> None:
    doc["publication"] = data
    doc["steps"]["published"] = data["published_on"]


def _milestone(doc: Doc, data: dict[str, Any], on: str) -> None:
    doc["milestones"] = {**doc["milestones"], data["milestone"]: data["reached_on"]}
    doc["steps"][f"milestone:{data['milestone']}"] = data["reached_on"]


def _learning(doc: Doc, data: dict[str, Any], on: str) -> None:
    doc["learning_items"] = [*doc["learning_items"], data]


def _withdrawn(doc: Doc, data: dict[str, Any], on: str) -> None:
    doc["withdrawn"] = True
    doc["withdrawal"] = {"reason": data["reason"], "on": data["withdrawn_on"]}


def _reference_assigned(doc: Doc, data: dict[str, Any], on: str) -> None:
    doc["reference"] = data["reference"]


_STEP_FIELDS = {
    "decided": ("decision", "decided_on"),
    "methodology_chosen": ("methodology", "chosen_on"),
    "final_report_received": ("final_report", "received_on"),
    "board_response_agreed": ("board_response", "agreed_on"),
    "published": ("publication", "published_on"),
}


def _step_corrected(doc: Doc, data: dict[str, Any], on: str) -> None:
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


_CHANGES = {
    "CriteriaAssessed": _criteria,
    "Decided": _decided,
    "MethodologyChosen": _methodology,
    "InvolvementRecorded": _involvement,
    "FinalReportReceived": _final_report,
    "BoardResponseAgreed": _board_response,
    "Published": _published,
    "MilestoneReached": _milestone,
    "LearningLinked": _learning,
    "Withdrawn": _withdrawn,
    "ReferenceAssigned": _reference_assigned,
    "StepCorrected": _step_corrected,
}


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
    """Each clock that has started and applies to the review's type, with `due` and `met_on`."""
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
