"""The one read API: every GET of current state reads here, never the aggregates nor the tables.

Each view's module holds its own queries, on a connection; `ReadModels` opens the connection,
asks the views and joins what spans two of them (follow-ups and clocks, a review's linked items).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from domain import loop
from domain.indicator import Indicator
from projections import as_of as then
from projections.views import audit_trail, audits, case_reviews, indicators, items, reminders
from projections.views.audit_trail import AuditFilter

Doc = dict[str, Any]

__all__ = ["AuditFilter", "ReadModels"]


class ReadModels:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def item(self, item_id: str, today: date) -> Doc | None:
        with self.engine.connect() as conn:
            doc = items.item(conn, item_id)
        return items.rated(doc, today) if doc is not None else None

    def items(
        self,
        today: date,
        subgroup: str | None = None,
        stage: str | None = None,
        overdue: bool = False,
        hidden_subgroups: Collection[str] = (),
    ) -> list[Doc]:
        """Items, oldest first; none of `hidden_subgroups` (the restricted subgroups the reader
        may not see)."""
        with self.engine.connect() as conn:
            docs = items.listed(conn, today, subgroup, stage, overdue, hidden_subgroups)
        return [items.rated(doc, today) for doc in docs]

    def item_as_of(self, item_id: str, moment: datetime, today: date) -> Doc | None:
        """The item as recorded by `moment`, rated on `today` (that moment's local date)."""
        with self.engine.connect() as conn:
            doc = then.one(conn, items.item_versions, item_id, moment)
        return items.rated(doc, today) if doc is not None else None

    def loop_board(
        self, subgroup: str, today: date, as_of: datetime | None = None
    ) -> dict[str, Any]:
        """The board now, or as recorded by `as_of` (then `today` is that moment's date)."""
        if as_of is not None:
            with self.engine.connect() as conn:
                return then.loop_board(conn, subgroup, as_of, today)
        docs = self.items(today, subgroup=subgroup)
        stages = {name: [d for d in docs if d["stage"] == name] for name in loop.STAGES}
        return {
            "subgroup": subgroup,
            "stages": {name: {"count": len(ds), "items": ds} for name, ds in stages.items()},
        }

    def history(self, stream_id: str, stream_type: str = "learning_item") -> list[Doc]:
        """A stream's events, oldest first; none when the id names a stream of another type."""
        with self.engine.connect() as conn:
            return audit_trail.history(conn, stream_id, stream_type)

    def audit_trail(
        self,
        after: int,
        limit: int,
        where: AuditFilter,
        hidden_subgroups: Collection[str] = (),
    ) -> tuple[list[Doc], int]:
        """Events after `after`, up to `limit`, without those of `hidden_subgroups`."""
        with self.engine.connect() as conn:
            return audit_trail.page(conn, after, limit, where, hidden_subgroups)

    def follow_ups(
        self,
        today: date,
        until: date,
        hidden_subgroups: Collection[str] = (),
        as_of: datetime | None = None,
    ) -> list[Doc]:
        """Open actions and measures, and case-review clocks not yet met, due by `until`;
        none on items of `hidden_subgroups`. With `as_of`, as recorded by then."""
        with self.engine.connect() as conn:
            if as_of is not None:
                rows, clocks = then.follow_ups(conn, as_of, until, hidden_subgroups)
            else:
                rows = items.follow_ups_due(conn, until, hidden_subgroups)
                clocks = [dict(row) for row in case_reviews.running_clocks(conn, until)]
            rows += [_clock_follow_up(row) for row in clocks]
        rows.sort(key=lambda r: (r["due"], r["item_id"], r["target_id"]))
        return [{**r, "due": r["due"].isoformat(), "overdue": r["due"] < today} for r in rows]

    def case_review(self, review_id: str, as_of: datetime | None = None) -> Doc | None:
        with self.engine.connect() as conn:
            if as_of is not None:
                return then.case_review(conn, review_id, as_of)
            doc = case_reviews.review(conn, review_id)
            return None if doc is None else _with_item_stages(conn, doc)

    def case_reviews(self, status: str | None = None) -> list[Doc]:
        """The case reviews, oldest first: those with `status`, or every one not withdrawn."""
        with self.engine.connect() as conn:
            return [_with_item_stages(conn, doc) for doc in case_reviews.listed(conn, status)]

    def audit(self, audit_id: str, as_of: datetime | None = None) -> Doc | None:
        with self.engine.connect() as conn:
            if as_of is not None:
                return then.audit(conn, audit_id, as_of)
            return audits.audit(conn, audit_id)

    def audits(self, year: int | None = None, status: str | None = None) -> list[Doc]:
        """The audits (of reporting `year`), oldest first: those with `status`, or every one
        not withdrawn."""
        with self.engine.connect() as conn:
            return audits.listed(conn, year, status)

    def indicator(self, code: str, as_of: datetime | None = None) -> Doc | None:
        """The indicator with `code` (any case), analysed; None if there is none (or none
        recorded by `as_of`)."""
        with self.engine.connect() as conn:
            if as_of is not None:
                return then.indicator(conn, str(Indicator.id_for(code)), as_of)
            return indicators.indicator(conn, code)

    def indicators(self) -> list[Doc]:
        """Every indicator, by code, with its trend and latest period but not its values."""
        with self.engine.connect() as conn:
            return indicators.listed(conn)

    def reminders(
        self, after: int, limit: int, hidden_subgroups: Collection[str] = ()
    ) -> tuple[list[Doc], int]:
        """Reminders issued after log position `after`, oldest first, and the position to page
        on; none about items of `hidden_subgroups`."""
        with self.engine.connect() as conn:
            return reminders.page(conn, after, limit, hidden_subgroups)

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))


def _with_item_stages(conn: sa.Connection, doc: Doc) -> Doc:
    found = items.stages(conn, [link["item_id"] for link in doc["learning_items"]])
    links = [
        {**link, "stage": found[link["item_id"]][0], "title": found[link["item_id"]][1]}
        if link["item_id"] in found
        else {**link, "stage": None, "title": None}
        for link in doc["learning_items"]
    ]
    return {**doc, "learning_items": links}


def _clock_follow_up(row: Any) -> Doc:
    return {
        "kind": "clock",
        "item_id": row["review_id"],
        "target_id": row["name"],
        "subgroup": None,
        "item_title": row["case_reference"],
        "item_reference": None,
        "due": row["due"],
        "description": row["label"],
        "owner": None,
        "owner_email": None,
        "status": "running",
    }
