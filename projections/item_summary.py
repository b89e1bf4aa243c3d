"""Item summary: each learning item's current state, with its derived stage.

A pure fold: `evolve(doc, event)` returns the item's next document. RAG is left to read time,
because an action's lateness depends on the day it is read.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain import loop
from projections.records import actor_of, event_data, event_type, jsonable

Doc = dict[str, Any]


def evolve(doc: Doc | None, event: Any) -> Doc:
    kind = event_type(event)
    data = event_data(event)
    if kind == "Identified":
        doc = {
            "id": str(event.originator_id),
            "subgroup": data["subgroup"],
            "title": data["title"],
            "description": data["description"],
            "source": {"kind": data["source_kind"], "reference": data["source_reference"]},
            "themes": data["themes"],
            "identified_on": data["identified_on"],
            "actions": [],
            "measures": [],
            "created_at": jsonable(event.timestamp),
            "closed_at": None,
            "closure": None,
        }
    else:
        assert doc is not None, f"{kind} before Identified"
        doc = _CHANGES[kind](dict(doc), data, event)
    doc["version"] = event.originator_version
    doc["updated_at"] = jsonable(event.timestamp)
    doc["stage"] = loop.stage(doc["closed_at"] is not None, [a["status"] for a in doc["actions"]])
    return doc


def _means_chosen(doc: Doc, data: dict[str, Any], event: Any) -> Doc:
    action = {
        "id": data["action_id"],
        "means": data["means"],
        "description": data["description"],
        "owner": data["owner"],
        "owner_email": data["owner_email"],
        "due": data["due"],
        "status": loop.NOT_STARTED,
        "chosen_on": jsonable(data.get("on")),
        "status_on": None,
        "chosen_at": jsonable(event.timestamp),
        "completed_at": None,
    }
    doc["actions"] = [*doc["actions"], action]
    return doc


def _progress_reported(doc: Doc, data: dict[str, Any], event: Any) -> Doc:
    completed_at = jsonable(event.timestamp) if data["status"] == loop.COMPLETE else None
    doc["actions"] = [
        {
            **a,
            "status": data["status"],
            "status_on": jsonable(data.get("on")),
            "completed_at": completed_at,
        }
        if a["id"] == data["action_id"]
        else a
        for a in doc["actions"]
    ]
    return doc


def _measure_defined(doc: Doc, data: dict[str, Any], event: Any) -> Doc:
    measure = {
        "id": data["measure_id"],
        "kind": data["kind"],
        "description": data["description"],
        "review_due": data["review_due"],
        "indicator": data.get("indicator"),
        "outcome": None,
        "evidence": [],
        "defined_on": jsonable(data.get("on")),
        "defined_at": jsonable(event.timestamp),
    }
    doc["measures"] = [*doc["measures"], measure]
    return doc


def _evidence_recorded(doc: Doc, data: dict[str, Any], event: Any) -> Doc:
    evidence = {
        "outcome": data["outcome"],
        "summary": data["summary"],
        "reference": data["reference"],
        "on": jsonable(data.get("on")),
        "recorded_at": jsonable(event.timestamp),
        "recorded_by": actor_of(event),
    }
    doc["measures"] = [
        {**m, "outcome": data["outcome"], "evidence": [*m["evidence"], evidence]}
        if m["id"] == data["measure_id"]
        else m
        for m in doc["measures"]
    ]
    return doc


def _action_amended(doc: Doc, data: dict[str, Any], event: Any) -> Doc:
    changes = {k: data[k] for k in ("owner", "due") if data[k] is not None}
    if data["owner"] is not None:
        changes["owner_email"] = data["owner_email"]
    doc["actions"] = [
        {**a, **changes} if a["id"] == data["action_id"] else a for a in doc["actions"]
    ]
    return doc


def _corrected(doc: Doc, data: dict[str, Any], event: Any) -> Doc:
    for field in ("title", "description"):
        if data[field] is not None:
            doc[field] = data[field]
    return doc


def _closed(doc: Doc, data: dict[str, Any], event: Any) -> Doc:
    doc["closed_at"] = jsonable(event.timestamp)
    doc["closure"] = {
        "summary": data["summary"],
        "override_reason": data["override_reason"],
        "on": jsonable(data.get("on")),
    }
    return doc


def _reopened(doc: Doc, data: dict[str, Any], event: Any) -> Doc:
    doc["closed_at"] = None
    doc["closure"] = None
    return doc


_CHANGES = {
    "MeansChosen": _means_chosen,
    "ProgressReported": _progress_reported,
    "MeasureDefined": _measure_defined,
    "EvidenceRecorded": _evidence_recorded,
    "ActionAmended": _action_amended,
    "Corrected": _corrected,
    "Closed": _closed,
    "Reopened": _reopened,
}


def rated(doc: Doc, today: date) -> Doc:
    """The document as read on `today`: each action's RAG and the item's worst open RAG."""
    actions = [
        {**a, "rag": loop.action_rag(a["status"], date.fromisoformat(a["due"]), today)}
        for a in doc["actions"]
    ]
    return {**doc, "actions": actions, "rag": loop.item_rag(a["rag"] for a in actions)}
