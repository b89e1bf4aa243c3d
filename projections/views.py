"""How each view stores what its fold computes: batched Core writes, one statement per table.

A view's `apply(conn, batch)` runs inside the projector's transaction, together with the view's
tracking position, so a batch is either wholly applied and tracked or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Protocol

import sqlalchemy as sa

from domain.framework import Framework
from domain.working_days import WorkingDays
from projections import (
    audit_summary,
    audit_trail,
    bulk,
    case_review_summary,
    follow_ups,
    item_summary,
    schema,
)
from projections.records import stream_type
from projections.reminder_log import ReminderLogView

Batch = Sequence[tuple[int, Any]]
Doc = dict[str, Any]
Version = tuple[str, int, Doc, date]  # document id, log position, document, day recorded (UTC)


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
    versions: sa.Table | None = None
    derived: sa.Table | None = None
    derived_key: str = "item_id"

    @property
    def tables(self) -> tuple[sa.Table, ...]:
        return tuple(t for t in (self.table, self.versions, self.derived) if t is not None)

    def span(self, doc: Doc) -> tuple[date, date | None]:
        """The dates a document's subject was open between, for finding a year's documents."""
        raise NotImplementedError

    def evolve(self, doc: Doc | None, event: Any) -> Doc:
        raise NotImplementedError

    def row(self, doc: Doc) -> dict[str, Any]:
        raise NotImplementedError

    def derive(self, doc: Doc) -> list[dict[str, Any]]:
        return []

    def apply(self, conn: sa.Connection, batch: Batch) -> None:
        stream = self.stream
        events = [(p, str(e.originator_id), e) for p, e in batch if stream_type(e) == stream]
        if not events:
            return
        ids = list(dict.fromkeys(key for _, key, _ in events))
        table = self.table
        query = sa.select(table.c.id, table.c.doc).where(table.c.id.in_(ids))
        docs = dict(conn.execute(query).all())
        # A document not stored yet has no version or derived rows to close or replace either.
        stored = list(docs)
        versions: list[Version] = []
        for position, key, event in events:
            doc = docs[key] = self.evolve(docs.get(key), event)
            versions.append((key, position, doc, event.timestamp.date()))
        if self.versions is not None:
            self._write_versions(conn, versions, stored)
        if stored:
            conn.execute(sa.delete(table).where(table.c.id.in_(stored)))
        bulk.insert(conn, table, [self.row(docs[key]) for key in ids])
        if self.derived is not None:
            derived = self.derived
            if stored:
                conn.execute(sa.delete(derived).where(derived.c[self.derived_key].in_(stored)))
            bulk.insert(conn, derived, [r for key in ids for r in self.derive(docs[key])])

    def _write_versions(
        self, conn: sa.Connection, versions: list[Version], stored: list[str]
    ) -> None:
        """Closes each stored document's open version at the batch's first new one, and chains
        the batch's versions, each valid until the next (by log position and by day)."""
        assert self.versions is not None
        table = self.versions
        first: dict[str, Version] = {}
        following: dict[int, Version] = {}
        last: dict[str, int] = {}
        for version in versions:
            key, position = version[0], version[1]
            first.setdefault(key, version)
            if key in last:
                following[last[key]] = version
            last[key] = position
        if stored:
            replaced = sa.bindparam("replaced_on", type_=sa.Date)
            conn.execute(
                sa.update(table)
                .where(table.c.id == sa.bindparam("key"), table.c.valid_to.is_(None))
                .values(
                    valid_to=sa.bindparam("until"),
                    until_on=sa.case(
                        (table.c.until_on < replaced, table.c.until_on), else_=replaced
                    ),
                ),
                [{"key": k, "until": first[k][1], "replaced_on": first[k][3]} for k in stored],
            )
        rows = []
        for key, position, doc, _ in versions:
            created_on, closed_on = self.span(doc)
            successor = following.get(position)
            ends = [d for d in (closed_on, successor and successor[3]) if d is not None]
            rows.append(
                {
                    "id": key,
                    "position": position,
                    "doc": doc,
                    "valid_to": successor[1] if successor else None,
                    "created_on": created_on,
                    "until_on": min(ends, default=schema.OPEN_END),
                }
            )
        bulk.insert(conn, table, rows)


class ItemSummaryView(DocumentView):
    """Item summaries, and the follow-ups derived from them."""

    name = "item_summary"
    stream = "learning_item"
    table = schema.items
    versions = schema.item_versions
    derived = schema.follow_ups

    def span(self, doc: Doc) -> tuple[date, date | None]:
        return date.fromisoformat(doc["identified_on"]), _day(doc["closed_at"])

    def evolve(self, doc: Doc | None, event: Any) -> Doc:
        return item_summary.evolve(doc, event)

    def row(self, doc: Doc) -> dict[str, Any]:
        return _row(doc, subgroup=doc["subgroup"], stage=doc["stage"], version=doc["version"])

    def derive(self, doc: Doc) -> list[dict[str, Any]]:
        return [{**r, "due": date.fromisoformat(r["due"])} for r in follow_ups.rows(doc)]


class CaseReviewView(DocumentView):
    """Case reviews by status, with each clock's due date (in days as its clock rule counts)."""

    name = "case_reviews"
    stream = "case_review"
    table = schema.case_reviews
    versions = schema.case_review_versions
    derived = schema.review_clocks
    derived_key = "review_id"

    def __init__(self, framework: Framework, working_days: WorkingDays) -> None:
        self.timezone = framework.timezone
        self.rules = framework.case_reviews
        self.working_days = working_days

    def evolve(self, doc: Doc | None, event: Any) -> Doc:
        doc = case_review_summary.evolve(doc, event, self.timezone)
        if self.rules is not None:
            doc["clocks"] = case_review_summary.clocks(doc, self.rules, self.working_days)
        return doc

    def row(self, doc: Doc) -> dict[str, Any]:
        return _row(doc, case_reference=doc["case_reference"], status=doc["status"])

    def span(self, doc: Doc) -> tuple[date, date | None]:
        ended = doc["publication"]["published_on"] if doc["publication"] else None
        if ended is None and doc["status"] == "closed":
            ended = doc["decision"]["decided_on"]
        return date.fromisoformat(doc["notified_on"]), _day(ended)

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
    versions = schema.audit_versions

    def span(self, doc: Doc) -> tuple[date, date | None]:
        completion = doc["completion"]
        planned = min(doc["planned_on"], doc["planned_for"])  # an audit may be recorded late
        return date.fromisoformat(planned), _day(completion["completed_on"] if completion else None)

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
            rows.append(audit_trail.entry(position, event, known[key]))
        bulk.insert(conn, streams, new_streams)
        bulk.insert(conn, schema.audit_trail, rows)


def default_views(framework: Framework, working_days: WorkingDays) -> list[View]:
    from projections.dataset_view import IndicatorView  # it subclasses DocumentView, above

    owners = {
        "case_review": framework.case_reviews.subgroup if framework.case_reviews else None,
        "audit": framework.audits.subgroup if framework.audits else None,
        "audit_programme": framework.audits.subgroup if framework.audits else None,
        "indicator": framework.audits.subgroup if framework.audits else None,
    }

    def subgroup_of(event: Any) -> str | None:
        return audit_trail.subgroup_named(event) or owners.get(stream_type(event))

    return [
        ItemSummaryView(),
        CaseReviewView(framework, working_days),
        AuditView(),
        ReminderLogView(),
        IndicatorView(),
        AuditTrailView(subgroup_of),
    ]


def _row(doc: Doc, **columns: Any) -> dict[str, Any]:
    return {"id": doc["id"], "created_at": doc["created_at"], "doc": doc, **columns}


def _day(value: str | None) -> date | None:
    """The date of an ISO date or timestamp (timestamps are UTC; a day either side does not
    matter for finding a year's documents, which the report then filters exactly)."""
    return date.fromisoformat(value[:10]) if value else None
