"""The multi-agency dataset: one document per indicator with every value submitted (and each
correction), and the period's comparators; read with each series' trend, its major changes and
each value's position against statistical neighbours and England.

The fold stores what was submitted, dispatching on the event's class; `analysed` reads it (a
pure function of the document), so a change to how trends are read needs no rebuild.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import singledispatch
from typing import Any

import sqlalchemy as sa

from domain import indicator as rules
from domain.indicator import Indicator, Quarter
from projections import documents, schema
from projections.documents import DocumentView
from projections.events import actor_of, event_data, event_type, jsonable

Doc = dict[str, Any]
Data = dict[str, Any]
COMPARATORS = ("statistical_neighbours", "england")

indicators = sa.Table(
    "view_indicators",
    schema.metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("code", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("doc", schema.Json, nullable=False),
)


indicator_versions = documents.versions_table("view_indicator_versions")


def evolve(doc: Doc | None, event: Any) -> Doc:
    data = event_data(event)
    if isinstance(event, Indicator.Defined):
        doc = {
            "id": str(event.originator_id),
            **data,
            "values": [],
            "comparators": {},
            "defined_by": actor_of(event),
            "created_at": jsonable(event.timestamp),
        }
    else:
        assert doc is not None, f"{event_type(event)} before Defined"
        doc = _change(event, dict(doc), data)
        comparators = dict(doc["comparators"])
        given = {k: data[k] for k in COMPARATORS if data[k] is not None}
        if given:
            comparators[data["period"]] = {**comparators.get(data["period"], {}), **given}
        doc["comparators"] = comparators
    doc["version"] = event.originator_version
    doc["updated_at"] = jsonable(event.timestamp)
    return doc


@singledispatch
def _change(event: Any, doc: Doc, data: Data) -> Doc:
    raise KeyError(f"the dataset view has no change for {event_type(event)}")


@_change.register(Indicator.ValueSubmitted)
def _submitted(event: Any, doc: Doc, data: Data) -> Doc:
    entry = {
        **data,
        "submitted_at": jsonable(event.timestamp),
        "submitted_by": actor_of(event),
        "corrections": [],
    }
    values = [*doc["values"], entry]
    doc["values"] = sorted(values, key=lambda v: (v["period"], v["agency"]))
    return doc


@_change.register(Indicator.ValueCorrected)
def _corrected(event: Any, doc: Doc, data: Data) -> Doc:
    correction = {
        **data,
        "corrected_at": jsonable(event.timestamp),
        "corrected_by": actor_of(event),
    }
    del correction["period"], correction["agency"]
    changed = {k: data[k] for k in ("commentary", *COMPARATORS) if data[k] is not None}
    doc["values"] = [
        {**v, **changed, "value": data["value"], "corrections": [*v["corrections"], correction]}
        if (v["period"], v["agency"]) == (data["period"], data["agency"])
        else v
        for v in doc["values"]
    ]
    return doc


def analysed(doc: Doc) -> Doc:
    """The document as read: each agency's trend over its latest four quarters (`trend` is
    theirs when they agree, else `mixed`), the major quarter-on-quarter changes, each value's
    change and position against the period's comparators, and each agency's latest position
    (`positions`)."""
    polarity = doc["polarity"]
    series: dict[str, list[tuple[Quarter, float]]] = defaultdict(list)
    for value in doc["values"]:
        series[value["agency"]].append((Quarter.parse(value["period"]), value["value"]))
    trends = {agency: rules.trend(points, polarity) for agency, points in series.items()}
    changes = {
        (agency, str(change.period)): change
        for agency, points in series.items()
        for change in rules.changes(points, polarity, doc["major_change_pct"])
    }
    values = [_read(v, changes.get((v["agency"], v["period"])), doc) for v in doc["values"]]
    major = [
        {"agency": agency, **_change_entry(change)}
        for (agency, _), change in sorted(changes.items(), key=lambda kv: (kv[0][1], kv[0][0]))
        if change.major
    ]
    return {
        **doc,
        "values": values,
        "comparators": [{"period": p, **doc["comparators"][p]} for p in sorted(doc["comparators"])],
        "latest_period": max((v["period"] for v in values), default=None),
        "trend": rules.overall_trend(trends.values()),
        "trends": trends,
        "major_changes": major,
        "positions": {v["agency"]: {"period": v["period"], **v["position"]} for v in values},
    }


def _read(value: Doc, change: rules.Change | None, doc: Doc) -> Doc:
    comparators = doc["comparators"].get(value["period"], {})
    position = {
        name: rules.compare(value["value"], comparators.get(name), doc["polarity"])
        for name in COMPARATORS
    }
    return {
        **value,
        "change_pct": _rounded(change.change_pct) if change else None,
        "major_change": bool(change and change.major),
        "position": position,
    }


def _change_entry(change: rules.Change) -> Doc:
    return {
        "period": str(change.period),
        "previous_period": str(change.previous_period),
        "previous_value": change.previous_value,
        "value": change.value,
        "change_pct": _rounded(change.change_pct),
        "direction": change.direction,
    }


def _rounded(pct: float | None) -> float | None:
    return round(pct, 2) if pct is not None else None


class IndicatorView(DocumentView):
    name = "indicators"
    stream = Indicator.Event
    table = indicators
    versions = indicator_versions

    def span(self, doc: Doc) -> tuple[date, date | None]:
        """Indicators are few and their values may be for any period: always open."""
        return date(1900, 1, 1), None

    def evolve(self, doc: Doc | None, event: Any) -> Doc:
        return evolve(doc, event)

    def row(self, doc: Doc) -> dict[str, Any]:
        return {"id": doc["id"], "code": doc["code"], "created_at": doc["created_at"], "doc": doc}


# -- queries -----------------------------------------------------------------------------------


def indicator(conn: sa.Connection, code: str) -> Doc | None:
    """The indicator with `code` (any case), analysed; None if there is none."""
    query = sa.select(indicators.c.doc).where(indicators.c.id == str(Indicator.id_for(code)))
    doc = conn.execute(query).scalar()
    return analysed(doc) if doc is not None else None


def listed(conn: sa.Connection) -> list[Doc]:
    """Every indicator, by code, with its trend and latest period but not its values."""
    query = sa.select(indicators.c.doc).order_by(indicators.c.code)
    docs = [analysed(doc) for doc in conn.execute(query).scalars()]
    return [{k: v for k, v in doc.items() if k != "values"} for doc in docs]
