"""Audits: each audit's plan, findings and completion, by reporting year, and every version of it
(ADR 0010). A pure fold dispatching on the event's class, the table, and its queries."""

from __future__ import annotations

from datetime import date
from functools import singledispatch
from typing import Any

import sqlalchemy as sa

from domain.audit import COMPLETED, PLANNED, WITHDRAWN, Audit
from projections import documents, schema
from projections.documents import DocumentView
from projections.events import event_data, event_type, jsonable

Doc = dict[str, Any]
Data = dict[str, Any]

audits = sa.Table(
    "view_audits",
    schema.metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("reporting_year", sa.Integer, nullable=False, index=True),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("doc", schema.Json, nullable=False),
)

audit_versions = documents.versions_table("view_audit_versions")


def evolve(doc: Doc | None, event: Any) -> Doc:
    doc = _change(event, doc, event_data(event))
    doc["version"] = event.originator_version
    doc["updated_at"] = jsonable(event.timestamp)
    return doc


@singledispatch
def _change(event: Any, doc: Doc | None, data: Data) -> Doc:
    raise ValueError(f"unknown audit event {event_type(event)}")


@_change.register(Audit.Planned)
def _planned(event: Any, doc: Doc | None, data: Data) -> Doc:
    return {
        "id": str(event.originator_id),
        **data,
        "status": PLANNED,
        "findings": [],
        "completion": None,
        "created_at": jsonable(event.timestamp),
        "reference": data.get("reference"),
        "withdrawn": False,
        "withdrawal": None,
        "corrections": [],
    }


@_change.register(Audit.FindingRecorded)
def _finding_recorded(event: Any, doc: Doc | None, data: Data) -> Doc:
    assert doc is not None
    finding = {**data, "recorded_at": jsonable(event.timestamp)}
    return {**doc, "findings": [*doc["findings"], finding]}


@_change.register(Audit.Completed)
def _completed(event: Any, doc: Doc | None, data: Data) -> Doc:
    assert doc is not None
    completion = {**data, "recorded_at": jsonable(event.timestamp)}
    return {**doc, "completion": completion, "status": COMPLETED}


@_change.register(Audit.Withdrawn)
def _withdrawn(event: Any, doc: Doc | None, data: Data) -> Doc:
    assert doc is not None
    withdrawal = {"reason": data["reason"], "on": data["withdrawn_on"]}
    return {**doc, "withdrawn": True, "withdrawal": withdrawal, "status": WITHDRAWN}


@_change.register(Audit.Corrected)
def _corrected(event: Any, doc: Doc | None, data: Data) -> Doc:
    """The corrected planning, and the correction listed with the values it replaced."""
    assert doc is not None
    correction = {**data, "recorded_at": jsonable(event.timestamp)}
    return {
        **doc,
        **data["changes"],
        "reporting_year": data["reporting_year"],
        "corrections": [*doc.get("corrections", []), correction],
    }


@_change.register(Audit.ReferenceAssigned)
def _reference_assigned(event: Any, doc: Doc | None, data: Data) -> Doc:
    assert doc is not None
    return {**doc, "reference": data["reference"]}


class AuditView(DocumentView):
    name = "audits"
    stream = Audit.Event
    table = audits
    versions = audit_versions

    def span(self, doc: Doc) -> tuple[date, date | None]:
        completion = doc["completion"]
        planned = min(doc["planned_on"], doc["planned_for"])  # an audit may be recorded late
        ended = completion["completed_on"] if completion else None
        if doc.get("withdrawal"):
            ended = doc["withdrawal"]["on"]
        return date.fromisoformat(planned), documents.day(ended)

    def evolve(self, doc: Doc | None, event: Any) -> Doc:
        return evolve(doc, event)

    def row(self, doc: Doc) -> dict[str, Any]:
        return documents.row(
            doc, kind=doc["kind"], reporting_year=doc["reporting_year"], status=doc["status"]
        )


# -- queries -----------------------------------------------------------------------------------


def audit(conn: sa.Connection, audit_id: str) -> Doc | None:
    return conn.execute(sa.select(audits.c.doc).where(audits.c.id == audit_id)).scalar()


def listed(conn: sa.Connection, year: int | None = None, status: str | None = None) -> list[Doc]:
    query = sa.select(audits.c.doc).order_by(audits.c.created_at, audits.c.id)
    if year is not None:
        query = query.where(audits.c.reporting_year == year)
    if status is not None:
        query = query.where(audits.c.status == status)
    else:  # a withdrawn audit is listed only when asked for (`status=withdrawn`)
        query = query.where(audits.c.status != WITHDRAWN)
    return list(conn.execute(query).scalars())


def planned(conn: sa.Connection, ids: list[str] | None = None) -> list[Doc]:
    """The audits still planned (a few a year), or those of them among `ids`."""
    query = sa.select(audits.c.doc).where(audits.c.status == PLANNED)
    if ids is not None:
        query = query.where(audits.c.id.in_(ids))
    return list(conn.execute(query).scalars())
