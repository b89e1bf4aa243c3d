"""Reads "as recorded by then" (`as_of`, ADR 0041): the documents as the events recorded at or
before a moment left them, from the views' version tables (ADR 0010), judged (RAG, overdue) on
that moment's local date. One position stands for the moment: the last event recorded by it."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from domain import loop
from projections.documents import documents_at
from projections.views import audit_trail, case_reviews, items
from projections.views.audits import audit_versions
from projections.views.case_reviews import case_review_versions
from projections.views.indicators import analysed, indicator_versions
from projections.views.items import item_versions

Doc = dict[str, Any]


def position_at(conn: sa.Connection, moment: datetime) -> int:
    """The last log position recorded at or before `moment` (0 before anything was)."""
    latest = 2**63 - 1
    return audit_trail.last_position_before(conn, latest, moment + timedelta(microseconds=1))


def one(conn: sa.Connection, table: sa.Table, doc_id: str, moment: datetime) -> Doc | None:
    found = documents_at(conn, table, position_at(conn, moment), [doc_id])
    return found[0] if found else None


def case_review(conn: sa.Connection, review_id: str, moment: datetime) -> Doc | None:
    position = position_at(conn, moment)
    found = documents_at(conn, case_review_versions, position, [review_id])
    if not found:
        return None
    doc = found[0]
    linked = [link["item_id"] for link in doc["learning_items"]]
    then = {d["id"]: d for d in documents_at(conn, item_versions, position, linked)}
    links = [
        {
            **link,
            "stage": then[link["item_id"]]["stage"] if link["item_id"] in then else None,
            "title": then[link["item_id"]]["title"] if link["item_id"] in then else None,
        }
        for link in doc["learning_items"]
    ]
    return {**doc, "learning_items": links}


def audit(conn: sa.Connection, audit_id: str, moment: datetime) -> Doc | None:
    return one(conn, audit_versions, audit_id, moment)


def indicator(conn: sa.Connection, indicator_id: str, moment: datetime) -> Doc | None:
    doc = one(conn, indicator_versions, indicator_id, moment)
    return analysed(doc) if doc is not None else None


def learning_items(
    conn: sa.Connection, moment: datetime, hidden_subgroups: Collection[str] = ()
) -> list[Doc]:
    docs = documents_at(conn, item_versions, position_at(conn, moment))
    return [d for d in docs if d["subgroup"] not in hidden_subgroups]


def loop_board(conn: sa.Connection, subgroup: str, moment: datetime, today: date) -> Doc:
    docs = [
        items.rated(d, today) for d in learning_items(conn, moment) if d["subgroup"] == subgroup
    ]
    stages = {name: [d for d in docs if d["stage"] == name] for name in loop.STAGES}
    return {
        "subgroup": subgroup,
        "stages": {name: {"count": len(ds), "items": ds} for name, ds in stages.items()},
    }


def follow_ups(
    conn: sa.Connection, moment: datetime, until: date, hidden_subgroups: Collection[str] = ()
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The open actions and measures, and the clocks not yet met, due by `until`, as recorded
    by `moment`: rows as the follow-ups and clocks tables hold them."""
    position = position_at(conn, moment)
    due = [
        {**r, "due": date.fromisoformat(r["due"])}
        for doc in documents_at(conn, item_versions, position)
        if doc["subgroup"] not in hidden_subgroups
        for r in items.follow_up_rows(doc)
    ]
    clocks = [
        r
        for doc in documents_at(conn, case_review_versions, position)
        for r in case_reviews.clock_rows(doc)
        if r["met_on"] is None
    ]
    return [r for r in due if r["due"] <= until], [r for r in clocks if r["due"] <= until]
