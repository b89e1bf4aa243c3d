"""Moving out: the action plan, the loop boards, the follow-ups and the audit trail as tables
(ADR 0052), read from the read models as a reader may see them.

The action plan is the import's own format (`domain.action_plan.COLUMNS`, one row per action,
its measures and evidence on the item's rows), followed by label and id columns the import
reads past: exported from one store and imported into another, it records the same items.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from adapters.spreadsheets.write import Table
from domain.action_plan import COLUMNS
from domain.framework import Framework
from projections.read import AuditFilter, ReadModels

KINDS = ("action-plan", "loop", "follow-ups", "audit-trail")
PLAN_LABELS = (
    "subgroup_name",
    "means_label",
    "measure_label",
    "stage",
    "rag",
    "item_id",
    "action_id",
)
PAGE = 1000


def heading(column: str) -> str:
    return column.replace("_", " ").capitalize()


def table(
    kind: str,
    framework: Framework,
    read_models: ReadModels,
    today: date,
    *,
    subgroup: str | None = None,
    hidden: Collection[str] = (),
    where: AuditFilter | None = None,
) -> Table:
    if kind == "action-plan":
        rows = plan_rows(framework, read_models, today, subgroup, hidden)
        return Table("Action plan", [heading(c) for c in (*COLUMNS, *PLAN_LABELS)], rows)
    if kind == "loop":
        return Table(
            "Loop",
            [heading(c) for c in LOOP],
            loop_rows(framework, read_models, today, subgroup, hidden),
        )
    if kind == "follow-ups":
        rows = follow_up_rows(framework, read_models, today, subgroup, hidden)
        return Table("Follow-ups", [heading(c) for c in FOLLOW_UPS], rows)
    if kind == "audit-trail":
        where = where or AuditFilter(subgroup=subgroup)
        return Table(
            "Audit trail",
            [heading(c) for c in TRAIL],
            trail_rows(read_models, where, hidden, framework.timezone),
        )
    raise ValueError(f"unknown export {kind!r}")


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _labels(framework: Framework, slug: str) -> dict[str, str]:
    found = framework.subgroup(slug)
    options = (
        *found.identification_sources,
        *found.means_of_improvement,
        *found.measures_of_effectiveness,
    )
    return {o.slug: o.label for o in options}


def _docs(read_models: ReadModels, today: date, subgroup: str | None, hidden: Collection[str]):
    for doc in read_models.items(today, subgroup=subgroup, hidden_subgroups=hidden):
        if not doc.get("withdrawn"):
            yield doc


def plan_rows(
    framework: Framework,
    read_models: ReadModels,
    today: date,
    subgroup: str | None = None,
    hidden: Collection[str] = (),
) -> Iterator[list[Any]]:
    names = {s.slug: s.name for s in framework.subgroups}
    order = {s.slug: i for i, s in enumerate(framework.subgroups)}
    docs = sorted(
        _docs(read_models, today, subgroup, hidden),
        key=lambda d: (order.get(d["subgroup"], 99), d["identified_on"], d["created_at"]),
    )
    for doc in docs:
        labels = _labels(framework, doc["subgroup"])
        closure = doc.get("closure") or {}
        closed_on = closure.get("on") or (doc["closed_at"] or "")[:10] or None
        item = [
            doc.get("reference") or doc["id"],
            doc["subgroup"],
            doc["title"],
            doc["description"],
            doc["source"]["kind"],
            doc["source"]["reference"],
            _day(doc["identified_on"]),
            "; ".join(doc["themes"]),
        ]
        actions = [a for a in doc["actions"] if not a.get("withdrawn")]
        evidence: list[tuple[Any, Any]] = [
            (m, e)
            for m in doc["measures"]
            if not m.get("withdrawn")
            for e in (m["evidence"] or [None])
        ]
        evidence = evidence or [(None, None)]
        slots: list[dict[str, Any] | None] = list(actions) or [None]
        for index in range(max(len(slots), len(evidence))):
            action = slots[index] if index < len(slots) else None
            measure, proof = evidence[index] if index < len(evidence) else (None, None)
            yield [
                *item,
                *_action_cells(action),
                *_measure_cells(measure, proof),
                _day(closed_on) if doc["closed_at"] else None,
                closure.get("summary") if doc["closed_at"] else None,
                names[doc["subgroup"]],
                labels.get(action["means"]) if action else None,
                labels.get(measure["kind"]) if measure else None,
                doc["stage"],
                action["rag"] if action else doc["rag"],
                doc["id"],
                action["id"] if action else None,
            ]


def _action_cells(action: dict[str, Any] | None) -> list[Any]:
    if action is None:
        return [None] * 8
    return [
        action["means"],
        action["description"],
        action["owner"],
        action["owner_email"],
        _day(action["due"]),
        action["status"],
        _day(action.get("status_on") or action.get("completed_at")),
        _day(action.get("chosen_on") or action.get("chosen_at")),
    ]


def _measure_cells(measure: dict[str, Any] | None, proof: dict[str, Any] | None) -> list[Any]:
    if measure is None:
        return [None] * 8
    cells = [
        measure["kind"],
        measure["description"],
        _day(measure["review_due"]),
        _day(measure.get("defined_on") or measure.get("defined_at")),
    ]
    if proof is None:
        return [*cells, None, None, None, None]
    return [
        *cells,
        proof["outcome"],
        proof["summary"],
        proof["reference"],
        _day(proof.get("on") or proof.get("recorded_at")),
    ]


LOOP = (
    "subgroup",
    "subgroup_name",
    "stage",
    "item_reference",
    "title",
    "rag",
    "identified_on",
    "actions",
    "actions_complete",
    "next_due",
    "measures",
    "latest_outcome",
    "closed_on",
    "item_id",
)


def loop_rows(framework, read_models, today, subgroup=None, hidden=()) -> Iterator[list[Any]]:
    names = {s.slug: s.name for s in framework.subgroups}
    order = {
        name: i
        for i, name in enumerate(("identification", "improvement", "effectiveness", "closed"))
    }
    docs = sorted(
        _docs(read_models, today, subgroup, hidden),
        key=lambda d: (d["subgroup"], order.get(d["stage"], 9)),
    )
    for doc in docs:
        actions = [a for a in doc["actions"] if not a.get("withdrawn")]
        open_dues = [a["due"] for a in actions if a["status"] != "complete"]
        outcomes = [m["outcome"] for m in doc["measures"] if m.get("outcome")]
        closure = doc.get("closure") or {}
        yield [
            doc["subgroup"],
            names[doc["subgroup"]],
            doc["stage"],
            doc.get("reference") or doc["id"],
            doc["title"],
            doc["rag"],
            _day(doc["identified_on"]),
            len(actions),
            sum(1 for a in actions if a["status"] == "complete"),
            _day(min(open_dues)) if open_dues else None,
            len(doc["measures"]),
            outcomes[-1] if outcomes else None,
            _day(closure.get("on") or doc["closed_at"]) if doc["closed_at"] else None,
            doc["id"],
        ]


FOLLOW_UPS = (
    "due",
    "overdue",
    "kind",
    "subgroup",
    "subgroup_name",
    "item_title",
    "description",
    "owner",
    "owner_email",
    "status",
    "item_id",
    "target_id",
)


def follow_up_rows(framework, read_models, today, subgroup=None, hidden=()) -> Iterator[list[Any]]:
    names = {s.slug: s.name for s in framework.subgroups}
    for row in read_models.follow_ups(today, date.max, hidden):
        if subgroup is not None and row.get("subgroup") != subgroup:
            continue
        yield [
            _day(row["due"]),
            row["overdue"],
            row.get("kind"),
            row.get("subgroup"),
            names.get(row.get("subgroup") or ""),
            row.get("item_title"),
            row.get("description"),
            row.get("owner"),
            row.get("owner_email"),
            row.get("status"),
            row.get("item_id"),
            row.get("target_id"),
        ]


TRAIL = (
    "position",
    "recorded_at",
    "type",
    "stream_type",
    "stream_id",
    "version",
    "subgroup",
    "actor_name",
    "actor_role",
    "actor_id",
    "data",
)


def trail_rows(
    read_models: ReadModels, where: AuditFilter, hidden=(), timezone: str = "Europe/London"
) -> Iterator[list[Any]]:
    """Every event the filter keeps, its time recorded in the partnership's local time."""
    zone = ZoneInfo(timezone)
    after = 0
    while True:
        events, after = read_models.audit_trail(after, PAGE, where, hidden)
        for event in events:
            yield [
                event["position"],
                _moment(event["recorded_at"]).astimezone(zone).replace(tzinfo=None),
                event["type"],
                event["stream_type"],
                event["stream_id"],
                event["version"],
                event["subgroup"],
                event["actor"]["name"],
                event["actor"]["role"],
                event["actor"]["id"],
                json.dumps(event["data"], ensure_ascii=False, sort_keys=True, default=str),
            ]
        if len(events) < PAGE:
            return
