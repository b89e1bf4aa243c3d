"""Item summaries: each learning item's current state with its derived stage, every version of
it (ADR 0010), and the follow-ups derived from it (its open actions and measures, each with the
date it is due).

The fold is pure: `evolve(doc, event)` returns the item's next document, dispatching on the
event's class. RAG is left to read time (`rated`), because an action's lateness depends on the
day it is read.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from functools import singledispatch
from typing import Any

import sqlalchemy as sa

from domain import loop
from domain.learning_item import LearningItem
from projections import documents, schema
from projections.documents import DocumentView
from projections.events import actor_of, event_data, event_type, jsonable

Doc = dict[str, Any]
Data = dict[str, Any]

items = sa.Table(
    "view_items",
    schema.metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("subgroup", sa.String(64), nullable=False, index=True),
    sa.Column("stage", sa.String(16), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("doc", schema.Json, nullable=False),
)

follow_ups = sa.Table(
    "view_follow_ups",
    schema.metadata,
    sa.Column("target_id", sa.String(36), primary_key=True),
    sa.Column("item_id", sa.String(36), nullable=False, index=True),
    sa.Column("subgroup", sa.String(64), nullable=False),
    sa.Column("item_title", sa.Text, nullable=False),
    sa.Column("item_reference", sa.String(32)),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("due", sa.Date, nullable=False, index=True),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("owner", sa.Text),
    sa.Column("owner_email", sa.Text),
    sa.Column("status", sa.String(32), nullable=False),
)

item_versions = documents.versions_table("view_item_versions")


# -- the fold ----------------------------------------------------------------------------------


def evolve(doc: Doc | None, event: Any) -> Doc:
    data = event_data(event)
    if isinstance(event, LearningItem.Identified):
        doc = _identified(event, data)
    else:
        assert doc is not None, f"{event_type(event)} before Identified"
        doc = _change(event, dict(doc), data)
    doc["version"] = event.originator_version
    doc["updated_at"] = jsonable(event.timestamp)
    standing = [a["status"] for a in doc["actions"] if not a.get("withdrawn")]
    doc["stage"] = loop.stage(doc["closed_at"] is not None, standing)
    if doc.get("withdrawn"):
        doc["stage"] = loop.WITHDRAWN
    return doc


def _identified(event: Any, data: Data) -> Doc:
    return {
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
        "closed_on": None,
        "closure": None,
        "reference": data.get("reference"),
        "withdrawn": False,
        "withdrawal": None,
    }


@singledispatch
def _change(event: Any, doc: Doc, data: Data) -> Doc:
    raise KeyError(f"the item summary has no change for {event_type(event)}")


@_change.register(LearningItem.MeansChosen)
def _means_chosen(event: Any, doc: Doc, data: Data) -> Doc:
    action = {
        "id": data["action_id"],
        "means": data["means"],
        "description": data["description"],
        "owner": data["owner"],
        "owner_email": data["owner_email"],
        "due": data["due"],
        "status": loop.NOT_STARTED,
        "chosen_on": data["on"],
        "chosen_at": jsonable(event.timestamp),
        "status_on": None,
        "completed_on": None,
        "completed_at": None,
        "withdrawn": False,
    }
    doc["actions"] = [*doc["actions"], action]
    return doc


@_change.register(LearningItem.ProgressReported)
def _progress_reported(event: Any, doc: Doc, data: Data) -> Doc:
    complete = data["status"] == loop.COMPLETE
    completed_at = jsonable(event.timestamp) if complete else None
    completed_on = data["on"] if complete else None
    progress = {
        "status": data["status"],
        "status_on": data["on"],
        "completed_on": completed_on,
        "completed_at": completed_at,
    }
    doc["actions"] = [
        {**a, **progress} if a["id"] == data["action_id"] else a for a in doc["actions"]
    ]
    return doc


@_change.register(LearningItem.MeasureDefined)
def _measure_defined(event: Any, doc: Doc, data: Data) -> Doc:
    measure = {
        "id": data["measure_id"],
        "kind": data["kind"],
        "description": data["description"],
        "review_due": data["review_due"],
        "indicator": data.get("indicator"),
        "outcome": None,
        "evidence": [],
        "defined_on": data["on"],
        "defined_at": jsonable(event.timestamp),
        "withdrawn": False,
    }
    doc["measures"] = [*doc["measures"], measure]
    return doc


@_change.register(LearningItem.EvidenceRecorded)
def _evidence_recorded(event: Any, doc: Doc, data: Data) -> Doc:
    evidence = {
        "outcome": data["outcome"],
        "summary": data["summary"],
        "reference": data["reference"],
        "on": data["on"],
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


@_change.register(LearningItem.ActionAmended)
def _action_amended(event: Any, doc: Doc, data: Data) -> Doc:
    changes = {k: data[k] for k in ("owner", "due") if data[k] is not None}
    if data["owner"] is not None:
        changes["owner_email"] = data["owner_email"]
    doc["actions"] = [
        {**a, **changes} if a["id"] == data["action_id"] else a for a in doc["actions"]
    ]
    return doc


@_change.register(LearningItem.Corrected)
def _corrected(event: Any, doc: Doc, data: Data) -> Doc:
    for field in ("title", "description"):
        if data[field] is not None:
            doc[field] = data[field]
    return doc


@_change.register(LearningItem.Closed)
def _closed(event: Any, doc: Doc, data: Data) -> Doc:
    doc["closed_at"] = jsonable(event.timestamp)
    doc["closed_on"] = data["on"]
    doc["closure"] = {
        "summary": data["summary"],
        "override_reason": data["override_reason"],
        "on": data["on"],
    }
    return doc


@_change.register(LearningItem.Reopened)
def _reopened(event: Any, doc: Doc, data: Data) -> Doc:
    doc["closed_at"] = None
    doc["closed_on"] = None
    doc["closure"] = None
    doc["reopened_on"] = data["on"]
    return doc


@_change.register(LearningItem.Withdrawn)
def _withdrawn(event: Any, doc: Doc, data: Data) -> Doc:
    doc["withdrawn"] = True
    doc["withdrawal"] = _withdrawal(event, data)
    return doc


@_change.register(LearningItem.ActionWithdrawn)
def _action_withdrawn(event: Any, doc: Doc, data: Data) -> Doc:
    doc["actions"] = _withdraw_part(doc["actions"], data["action_id"], _withdrawal(event, data))
    return doc


@_change.register(LearningItem.MeasureWithdrawn)
def _measure_withdrawn(event: Any, doc: Doc, data: Data) -> Doc:
    doc["measures"] = _withdraw_part(doc["measures"], data["measure_id"], _withdrawal(event, data))
    return doc


@_change.register(LearningItem.ReferenceAssigned)
def _reference_assigned(event: Any, doc: Doc, data: Data) -> Doc:
    doc["reference"] = data["reference"]
    return doc


def _withdrawal(event: Any, data: Data) -> Doc:
    return {"reason": data["reason"], "on": data["withdrawn_on"], "by": actor_of(event)}


def _withdraw_part(parts: list[Doc], part_id: str, withdrawal: Doc) -> list[Doc]:
    return [
        {**p, "withdrawn": True, "withdrawal": withdrawal} if p["id"] == part_id else p
        for p in parts
    ]


def follow_up_rows(doc: Doc) -> list[dict[str, Any]]:
    """An item's follow-ups: an action until it is complete, a measure until its latest
    evidence is `met`, neither withdrawn; nothing on a closed or withdrawn item."""
    if doc["closed_at"] is not None or doc.get("withdrawn"):
        return []
    common = {
        "item_id": doc["id"],
        "subgroup": doc["subgroup"],
        "item_title": doc["title"],
        "item_reference": doc.get("reference"),
    }
    actions = [
        {
            **common,
            "kind": "action",
            "target_id": a["id"],
            "due": a["due"],
            "description": a["description"],
            "owner": a["owner"],
            "owner_email": a["owner_email"],
            "status": a["status"],
        }
        for a in doc["actions"]
        if a["status"] != loop.COMPLETE and not a.get("withdrawn")
    ]
    measures = [
        {
            **common,
            "kind": "measure",
            "target_id": m["id"],
            "due": m["review_due"],
            "description": m["description"],
            "owner": None,
            "owner_email": None,
            "status": m["outcome"] or "awaiting_evidence",
        }
        for m in doc["measures"]
        if m["outcome"] != loop.MET and not m.get("withdrawn")
    ]
    return actions + measures


def rated(doc: Doc, today: date) -> Doc:
    """The document as read on `today`: each action's RAG and the item's worst open RAG."""
    closed = doc["closed_at"] is not None
    actions = [
        {
            **a,
            "withdrawn": a.get("withdrawn", False),
            "rag": loop.part_rag(
                a["status"],
                date.fromisoformat(a["due"]),
                today,
                withdrawn=a.get("withdrawn", False),
                item_closed=closed,
            ),
        }
        for a in doc["actions"]
    ]
    standing = [a["rag"] for a in actions if not a["withdrawn"]]
    rag = loop.CLOSED if closed else None if doc.get("withdrawn") else loop.item_rag(standing)
    return {**doc, "actions": actions, "rag": rag}


# -- the view ----------------------------------------------------------------------------------


class ItemSummaryView(DocumentView):
    """Item summaries, and the follow-ups derived from them."""

    name = "item_summary"
    stream = LearningItem.Event
    table = items
    versions = item_versions
    derived = follow_ups

    def span(self, doc: Doc) -> tuple[date, date | None]:
        closed = doc.get("closed_on") or doc["closed_at"]
        return date.fromisoformat(doc["identified_on"]), documents.day(closed)

    def evolve(self, doc: Doc | None, event: Any) -> Doc:
        return evolve(doc, event)

    def row(self, doc: Doc) -> dict[str, Any]:
        return documents.row(
            doc, subgroup=doc["subgroup"], stage=doc["stage"], version=doc["version"]
        )

    def derive(self, doc: Doc) -> list[dict[str, Any]]:
        return [{**r, "due": date.fromisoformat(r["due"])} for r in follow_up_rows(doc)]


# -- queries -----------------------------------------------------------------------------------


def item(conn: sa.Connection, item_id: str) -> Doc | None:
    return conn.execute(sa.select(items.c.doc).where(items.c.id == item_id)).scalar()


def listed(
    conn: sa.Connection,
    today: date,
    subgroup: str | None = None,
    stage: str | None = None,
    overdue: bool = False,
    hidden_subgroups: Collection[str] = (),
) -> list[Doc]:
    """Items, oldest first, unrated; none of `hidden_subgroups`."""
    query = sa.select(items.c.doc).order_by(items.c.created_at, items.c.id)
    if subgroup is not None:
        query = query.where(items.c.subgroup == subgroup)
    if hidden_subgroups:
        query = query.where(items.c.subgroup.not_in(list(hidden_subgroups)))
    if stage is not None:
        query = query.where(items.c.stage == stage)
    else:  # a withdrawn item is listed only when asked for (`stage=withdrawn`)
        query = query.where(items.c.stage != loop.WITHDRAWN)
    if overdue:
        late = sa.select(follow_ups.c.item_id).where(follow_ups.c.due < today)
        query = query.where(items.c.id.in_(late))
    return list(conn.execute(query).scalars())


def follow_ups_due(
    conn: sa.Connection, until: date, hidden_subgroups: Collection[str] = ()
) -> list[dict[str, Any]]:
    """Open actions and measures due by `until`, none on items of `hidden_subgroups`."""
    query = sa.select(follow_ups).where(follow_ups.c.due <= until)
    if hidden_subgroups:
        query = query.where(follow_ups.c.subgroup.not_in(list(hidden_subgroups)))
    return [dict(row) for row in conn.execute(query).mappings()]


def follow_up_dues(conn: sa.Connection, target_ids: list[str]) -> set[tuple[str, date]]:
    """(target, due date) of the open actions and measures among `target_ids`."""
    query = sa.select(follow_ups.c.target_id, follow_ups.c.due)
    return set(conn.execute(query.where(follow_ups.c.target_id.in_(target_ids))).tuples())


def stages(conn: sa.Connection, ids: list[str]) -> dict[str, tuple[str, str]]:
    """The stage and title of each of the items `ids` that exists."""
    if not ids:
        return {}
    query = sa.select(items.c.id, items.c.stage, items.c.doc).where(items.c.id.in_(ids))
    return {row.id: (row.stage, row.doc["title"]) for row in conn.execute(query)}


def measures_naming(conn: sa.Connection, code: str) -> list[tuple[str, str]]:
    """(item id, measure id) of the open items' measures that name the indicator `code`."""
    open_stages = items.c.stage.not_in([loop.CLOSED, loop.WITHDRAWN])
    query = sa.select(items.c.doc).where(open_stages).order_by(items.c.id)
    wanted = code.casefold()
    return [
        (doc["id"], m["id"])
        for doc in conn.execute(query).scalars()
        for m in doc["measures"]
        if (m.get("indicator") or {}).get("code", "").casefold() == wanted
        and not m.get("withdrawn")
    ]
