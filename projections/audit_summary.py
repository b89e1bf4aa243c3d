"""Audit summary: each audit's plan, findings and completion, by reporting year."""

from __future__ import annotations

from typing import Any

from projections.records import event_data, event_type, jsonable

Doc = dict[str, Any]


def evolve(doc: Doc | None, event: Any) -> Doc:
    kind = event_type(event)
    data = event_data(event)
    if kind == "Planned":
        doc = {
            "id": str(event.originator_id),
            **data,
            "status": "planned",
            "findings": [],
            "completion": None,
            "created_at": jsonable(event.timestamp),
            "reference": data.get("reference"),
            "withdrawn": False,
            "withdrawal": None,
            "corrections": [],
        }
    elif kind == "FindingRecorded":
        assert doc is not None
        finding = {**data, "recorded_at": jsonable(event.timestamp)}
        doc = {**doc, "findings": [*doc["findings"], finding]}
    elif kind == "Completed":
        assert doc is not None
        doc = {**doc, "completion": data, "status": "completed"}
    elif kind == "Withdrawn":
        assert doc is not None
        withdrawal = {"reason": data["reason"], "on": data["withdrawn_on"]}
        doc = {**doc, "withdrawn": True, "withdrawal": withdrawal, "status": "withdrawn"}
    elif kind == "Corrected":
        assert doc is not None
        correction = {**data, "recorded_at": jsonable(event.timestamp)}
        doc = {
            **doc,
            **data["changes"],
            "reporting_year": data["reporting_year"],
            "corrections": [*doc.get("corrections", []), correction],
        }
    elif kind == "ReferenceAssigned":
        assert doc is not None
        doc = {**doc, "reference": data["reference"]}
    else:
        raise ValueError(f"unknown audit event {kind}")
    doc["version"] = event.originator_version
    doc["updated_at"] = jsonable(event.timestamp)
    return doc
