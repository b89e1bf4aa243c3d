"""How each view stores what its fold computes: batched Core writes, one statement per table.

A view's `apply(conn, batch)` runs inside the projector's transaction, together with the view's
tracking position, so a batch is either wholly applied and tracked or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date
from typing import Any, Protocol

import sqlalchemy as sa

from domain.calendar import WorkingCalendar
from domain.framework import Framework
from projections import (
    audit_summary,
    audit_trail,
    case_review_summary,
    follow_ups,
    item_summary,
    schema,
)
from projections.records import stream_type
from projections.reminder_log import ReminderLogView

Batch = Sequence[tuple[int, Any]]
Doc = dict[str, Any]


class View(Protocol):
    name: str
    tables: tuple[sa.Table, ...]

    def apply(self, conn: sa.Connection, batch: Batch) -> None: ...


class DocumentView:
    """One JSON document per aggregate of one stream type, folded from its events, plus rows
    derived from each document (replaced whenever the document changes)."""

    name: str
    stream: str
    table: sa.Table
    derived: sa.Table | None = None
    derived_key: str = "item_id"

    @property
    def tables(self) -> tuple[sa.Table, ...]:
        return (self.table,) if self.derived is None else (self.table, self.derived)

    def evolve(self, doc: Doc | None, event: Any) -> Doc:
        raise NotImplementedError

    def row(self, doc: Doc) -> dict[str, Any]:
        raise NotImplementedError

    def derive(self, doc: Doc) -> list[dict[str, Any]]:
        return []

    def apply(self, conn: sa.Connection, batch: Batch) -> None:
        events = [e for _, e in batch if stream_type(e) == self.stream]
        if not events:
            return
        ids = list(dict.fromkeys(str(e.originator_id) for e in events))
        table = self.table
        query = sa.select(table.c.id, table.c.doc).where(table.c.id.in_(ids))
        docs = dict(conn.execute(query).all())
        for event in events:
            key = str(event.originator_id)
            docs[key] = self.evolve(docs.get(key), event)
        conn.execute(sa.delete(table).where(table.c.id.in_(ids)))
        conn.execute(sa.insert(table), [self.row(docs[key]) for key in ids])
        if self.derived is not None:
            derived = self.derived
            conn.execute(sa.delete(derived).where(derived.c[self.derived_key].in_(ids)))
            rows = [r for key in ids for r in self.derive(docs[key])]
            if rows:
                conn.execute(sa.insert(derived), rows)


class ItemSummaryView(DocumentView):
    """Item summaries, and the follow-ups derived from them."""

    name = "item_summary"
    stream = "learning_item"
    table = schema.items
    derived = schema.follow_ups

    def evolve(self, doc: Doc | None, event: Any) -> Doc:
        return item_summary.evolve(doc, event)

    def row(self, doc: Doc) -> dict[str, Any]:
        return _row(doc, subgroup=doc["subgroup"], stage=doc["stage"], version=doc["version"])

    def derive(self, doc: Doc) -> list[dict[str, Any]]:
        return [{**r, "due": date.fromisoformat(r["due"])} for r in follow_ups.rows(doc)]


class CaseReviewView(DocumentView):
    """Case reviews by status, with each clock's due date (working days by the calendar)."""

    name = "case_reviews"
    stream = "case_review"
    table = schema.case_reviews
    derived = schema.review_clocks
    derived_key = "review_id"

    def __init__(self, framework: Framework, calendar: WorkingCalendar) -> None:
        self.timezone = framework.timezone
        self.rules = framework.case_reviews
        self.calendar = calendar

    def evolve(self, doc: Doc | None, event: Any) -> Doc:
        doc = case_review_summary.evolve(doc, event, self.timezone)
        if self.rules is not None:
            doc["clocks"] = case_review_summary.clocks(doc, self.rules, self.calendar)
        return doc

    def row(self, doc: Doc) -> dict[str, Any]:
        return _row(doc, case_reference=doc["case_reference"], status=doc["status"])

    def derive(self, doc: Doc) -> list[dict[str, Any]]:
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


class AuditView(DocumentView):
    name = "audits"
    stream = "audit"
    table = schema.audits

    def evolve(self, doc: Doc | None, event: Any) -> Doc:
        return audit_summary.evolve(doc, event)

    def row(self, doc: Doc) -> dict[str, Any]:
        return _row(
            doc, kind=doc["kind"], reporting_year=doc["reporting_year"], status=doc["status"]
        )


class AuditTrailView:
    """Every event, in log order, with the subgroup its stream belongs to."""

    name = "audit_trail"
    tables = (schema.audit_streams, schema.audit_trail)

    def __init__(self, subgroup_of_stream: Callable[[Any], str | None] | None = None) -> None:
        self.subgroup_of_stream = subgroup_of_stream or audit_trail.subgroup_named

    def apply(self, conn: sa.Connection, batch: Batch) -> None:
        streams = schema.audit_streams
        ids = list(dict.fromkeys(str(e.originator_id) for _, e in batch))
        query = sa.select(streams.c.stream_id, streams.c.subgroup).where(
            streams.c.stream_id.in_(ids)
        )
        known = dict(conn.execute(query).all())
        new_streams = []
        rows = []
        for position, event in batch:
            key = str(event.originator_id)
            if key not in known:
                known[key] = self.subgroup_of_stream(event)
                new_streams.append({"stream_id": key, "subgroup": known[key]})
            row = audit_trail.entry(position, event, known[key])
            row["recorded_at"] = event.timestamp.astimezone(UTC).replace(tzinfo=None)
            rows.append(row)
        if new_streams:
            conn.execute(sa.insert(streams), new_streams)
        conn.execute(sa.insert(schema.audit_trail), rows)


def default_views(framework: Framework, calendar: WorkingCalendar) -> list[View]:
    owners = {
        "case_review": framework.case_reviews.subgroup if framework.case_reviews else None,
        "audit": framework.audits.subgroup if framework.audits else None,
        "audit_programme": framework.audits.subgroup if framework.audits else None,
    }

    def subgroup_of(event: Any) -> str | None:
        return audit_trail.subgroup_named(event) or owners.get(stream_type(event))

    return [
        ItemSummaryView(),
        CaseReviewView(framework, calendar),
        AuditView(),
        ReminderLogView(),
        AuditTrailView(subgroup_of),
    ]


def _row(doc: Doc, **columns: Any) -> dict[str, Any]:
    return {"id": doc["id"], "created_at": doc["created_at"], "doc": doc, **columns}
