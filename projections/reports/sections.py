"""The annual report's sections, computed from documents as they stood: pure functions."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from domain import loop
from domain.framework import Framework, Subgroup
from projections.views.indicators import analysed

Doc = dict[str, Any]
LITTLE_PROGRESS_DAYS = 90


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    reference_day: date  # what is overdue is judged on this day: the year's end, or today
    timezone: str

    def holds(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    def day_of(self, timestamp: str | None) -> date | None:
        if timestamp is None:
            return None
        return loop.local_date(datetime.fromisoformat(timestamp), self.timezone)


def learning(
    items: list[Doc],
    framework: Framework,
    period: Period,
    items_at_end: list[Doc] | None = None,
) -> dict[str, Any]:
    """What the year's learning did, counted by the day each step happened (ADR 0040) from
    `items` (read up to the report's position, so steps entered after the year count in it),
    and the state it ended in (stages, RAG, overdue, little progress) from `items_at_end`
    (as the log stood at the year's end; default `items`)."""
    at_end = items if items_at_end is None else items_at_end
    withdrawn = Counter(d["subgroup"] for d in items if period.holds(_withdrawn_on(d)))
    items, at_end = _standing(items), _standing(at_end)
    subgroups = [
        {
            **_subgroup(
                s,
                [d for d in items if d["subgroup"] == s.slug],
                period,
                [d for d in at_end if d["subgroup"] == s.slug],
            ),
            "withdrawn": withdrawn[s.slug],
        }
        for s in framework.subgroups
    ]
    totals = {
        key: sum(s[key] for s in subgroups)
        for key in (
            "needs_identified",
            "measures_defined",
            "closed_with_evidence",
            "closed_by_override",
            "withdrawn",
        )
    }
    totals |= {
        f"actions_{key}": sum(s["actions"][key] for s in subgroups)
        for key in ("chosen", "completed", "overdue")
    }
    totals["evidence"] = {o: sum(s["evidence"][o] for s in subgroups) for o in loop.OUTCOMES}
    return {
        "totals": totals,
        "subgroups": subgroups,
        "impact": _impact(items, framework, period),
        "little_progress": _little_progress(at_end, period),
    }


def _subgroup(
    subgroup: Subgroup, items: list[Doc], period: Period, at_end: list[Doc]
) -> dict[str, Any]:
    identified = [d for d in items if period.holds(date.fromisoformat(d["identified_on"]))]
    sources = Counter(d["source"]["kind"] for d in identified)
    actions = [a for d in items for a in d["actions"]]
    open_items = [d for d in at_end if d["closed_at"] is None]
    rags = Counter(_rag(a, period) for d in at_end for a in d["actions"])
    evidence = [e for d in items for m in d["measures"] for e in m["evidence"]]
    closed = [d for d in items if period.holds(_on(period, d, "closed_on", "closed_at"))]
    overrides = [d for d in closed if d["closure"]["override_reason"]]
    return {
        "slug": subgroup.slug,
        "name": subgroup.name,
        "scope": subgroup.scope,
        "needs_identified": len(identified),
        "sources": [
            {"slug": o.slug, "label": o.label, "count": sources[o.slug]}
            for o in subgroup.identification_sources
            if sources[o.slug]
        ],
        "actions": {
            "chosen": sum(period.holds(_on(period, a, "chosen_on", "chosen_at")) for a in actions),
            "completed": sum(
                period.holds(_on(period, a, "completed_on", "completed_at")) for a in actions
            ),
            "overdue": sum(_overdue(a, period) for d in open_items for a in d["actions"]),
            "by_rag": {k: rags[k] for k in (loop.GREEN, loop.AMBER, loop.RED, loop.COMPLETE)},
        },
        "measures_defined": sum(
            period.holds(_on(period, m, "defined_on", "defined_at"))
            for d in items
            for m in d["measures"]
        ),
        "evidence": {
            o: sum(
                e["outcome"] == o and period.holds(_on(period, e, "on", "recorded_at"))
                for e in evidence
            )
            for o in loop.OUTCOMES
        },
        "closed_with_evidence": len(closed) - len(overrides),
        "closed_by_override": len(overrides),
        "override_reasons": [
            {
                "item_id": d["id"],
                "reference": d.get("reference"),
                "title": d["title"],
                "reason": d["closure"]["override_reason"],
            }
            for d in overrides
        ],
        "loop": _reached(at_end),
        "stages": {stage: sum(d["stage"] == stage for d in at_end) for stage in loop.STAGES},
    }


def _withdrawn_on(doc: Doc) -> date | None:
    withdrawal = doc.get("withdrawal")
    return date.fromisoformat(withdrawal["on"]) if withdrawal else None


def _standing(docs: list[Doc]) -> list[Doc]:
    """The records not withdrawn, each without its withdrawn actions and measures: what the
    report counts (ADR 0046; withdrawals are counted as such)."""
    return [
        {
            **d,
            "actions": [a for a in d.get("actions", []) if not a.get("withdrawn")],
            "measures": [m for m in d.get("measures", []) if not m.get("withdrawn")],
        }
        for d in docs
        if not d.get("withdrawn")
    ]


def _on(period: Period, fact: Doc, on: str, at: str) -> date | None:
    """The day a step happened (ADR 0040); a document folded before steps carried their day
    falls back to the local day it was recorded."""
    day = fact.get(on)
    return date.fromisoformat(day) if day else period.day_of(fact.get(at))


def _reached(items: list[Doc]) -> dict[str, int]:
    """The loop as a funnel: how many items reached each stage (a closed item reached all the
    stages it passed through)."""

    def done(doc: Doc) -> bool:
        return bool(doc["actions"]) and all(a["status"] == loop.COMPLETE for a in doc["actions"])

    return {
        loop.IDENTIFICATION: len(items),
        loop.IMPROVEMENT: sum(bool(d["actions"]) for d in items),
        loop.EFFECTIVENESS: sum(done(d) for d in items),
        loop.CLOSED: sum(d["stage"] == loop.CLOSED for d in items),
    }


def _rag(action: Doc, period: Period) -> str:
    return loop.action_rag(
        action["status"], date.fromisoformat(action["due"]), period.reference_day
    )


def _overdue(action: Doc, period: Period) -> bool:
    return action["status"] != loop.COMPLETE and date.fromisoformat(action["due"]) < (
        period.reference_day
    )


def _impact(items: list[Doc], framework: Framework, period: Period) -> list[dict[str, Any]]:
    """Items closed in the year on `met` evidence: the need, what was done, the evidence."""
    result = []
    for subgroup in framework.subgroups:
        closed = [
            d
            for d in items
            if d["subgroup"] == subgroup.slug
            and period.holds(_on(period, d, "closed_on", "closed_at"))
            and any(m["outcome"] == loop.MET for m in d["measures"])
        ]
        if closed:
            result.append(
                {
                    "subgroup": subgroup.slug,
                    "name": subgroup.name,
                    "items": [_impact_item(d, subgroup) for d in closed],
                }
            )
    return result


def _impact_item(doc: Doc, subgroup: Subgroup) -> dict[str, Any]:
    labels = {o.slug: o.label for o in subgroup.identification_sources}
    means = {o.slug: o.label for o in subgroup.means_of_improvement}
    kinds = {o.slug: o.label for o in subgroup.measures_of_effectiveness}
    return {
        "id": doc["id"],
        "reference": doc.get("reference"),
        "title": doc["title"],
        "description": doc["description"],
        "source": {
            **doc["source"],
            "label": labels.get(doc["source"]["kind"], doc["source"]["kind"]),
        },
        "actions": [
            {
                "means_label": means.get(a["means"], a["means"]),
                "description": a["description"],
                "owner": a["owner"],
                "status": a["status"],
            }
            for a in doc["actions"]
        ],
        "evidence": [
            {
                "measure": kinds.get(m["kind"], m["kind"]),
                "outcome": e["outcome"],
                "summary": e["summary"],
                "reference": e["reference"],
                "recorded_at": e["recorded_at"],
            }
            for m in doc["measures"]
            for e in m["evidence"]
        ],
        "closed_at": doc["closed_at"],
    }


def _little_progress(items: list[Doc], period: Period) -> list[dict[str, Any]]:
    """Open items with no means chosen after LITTLE_PROGRESS_DAYS, or with a red action."""
    stale_before = period.reference_day - timedelta(days=LITTLE_PROGRESS_DAYS)
    result = []
    for doc in items:
        if doc["closed_at"] is not None:
            continue
        rags = [_rag(a, period) for a in doc["actions"]]
        reason = None
        if not doc["actions"] and date.fromisoformat(doc["identified_on"]) < stale_before:
            reason = f"no means of improvement chosen in {LITTLE_PROGRESS_DAYS} days"
        elif loop.RED in rags:
            reason = "an action is off track or overdue"
        if reason:
            result.append(
                {
                    "id": doc["id"],
                    "reference": doc.get("reference"),
                    "title": doc["title"],
                    "subgroup": doc["subgroup"],
                    "stage": doc["stage"],
                    "rag": loop.item_rag(rags),
                    "reason": reason,
                }
            )
    return result


def case_reviews(reviews: list[Doc], at_end: list[Doc], period: Period) -> dict[str, Any]:
    """Figures by the dates recorded (however late); the list as it stood at the year's end."""

    def on(doc: Doc, *path: str) -> date | None:
        value: Any = doc
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return date.fromisoformat(value) if value else None

    withdrawn = sum(period.holds(on(r, "withdrawal", "on")) for r in reviews)
    reviews = [r for r in reviews if not r.get("withdrawn")]
    at_end = [r for r in at_end if not r.get("withdrawn")]
    decided = [r for r in reviews if period.holds(on(r, "decision", "decided_on"))]
    clocks = [c for r in reviews for c in r.get("clocks", []) if period.holds(on(c, "due"))]
    met = sum(c["met_on"] is not None and c["met_on"] <= c["due"] for c in clocks)
    running = sum(
        c["met_on"] is None and date.fromisoformat(c["due"]) >= period.reference_day for c in clocks
    )
    return {
        "notified": sum(period.holds(on(r, "notified_on")) for r in reviews),
        "decided": len(decided),
        "published": sum(period.holds(on(r, "publication", "published_on")) for r in reviews),
        "withdrawn": withdrawn,
        "departures": [
            {
                "case_reference": r["case_reference"],
                "review_type": r["decision"]["review_type"],
                "required": r["required"],
                "departure_reason": r["decision"]["departure_reason"],
            }
            for r in decided
            if r["decision"]["departure"]
        ],
        "clocks": {"met": met, "missed": len(clocks) - met - running, "running": running},
        "reviews": [
            {
                "reference": r.get("reference"),
                "case_reference": r["case_reference"],
                "status": r["status"],
                "review_type": (r["decision"] or {}).get("review_type"),
                "notified_on": r["notified_on"],
                "published_on": (r["publication"] or {}).get("published_on"),
                "learning_items": len(r["learning_items"]),
            }
            for r in at_end
        ],
    }


def audits(
    docs: list[Doc], at_end: list[Doc], framework: Framework, year: int, period: Period
) -> dict[str, Any]:
    """Figures by the dates recorded (however late); the list as it stood at the year's end."""
    withdrawn = sum(a["reporting_year"] == year and bool(a.get("withdrawn")) for a in docs)
    docs = [a for a in docs if not a.get("withdrawn")]
    at_end = [a for a in at_end if not a.get("withdrawn")]
    in_year = [a for a in docs if a["reporting_year"] == year]
    return {
        "withdrawn": withdrawn,
        "multi_agency_case_audits": sum(a["kind"] == "multi_agency_case_audit" for a in in_year),
        "limit": framework.audits.multi_agency_case_audits_per_year if framework.audits else 0,
        "completed": sum(
            a["completion"] is not None
            and period.holds(date.fromisoformat(a["completion"]["completed_on"]))
            for a in docs
        ),
        "by_kind": dict(Counter(a["kind"] for a in in_year)),
        "audits": [
            {
                "reference": a.get("reference"),
                "kind": a["kind"],
                "theme": a["theme"],
                "planned_for": a["planned_for"],
                "status": a["status"],
                "findings": len(a["findings"]),
            }
            for a in at_end
            if a["reporting_year"] == year
        ],
    }


def dataset(indicators: list[Doc], year: int) -> dict[str, Any]:
    """Each indicator's series for each agency over the year's quarters (calendar quarters:
    YYYY-Q2 to YYYY+1-Q1), its major changes in the year and its position against the
    comparators."""
    quarters = [f"{year}-Q2", f"{year}-Q3", f"{year}-Q4", f"{year + 1}-Q1"]
    highlights = []
    for doc in indicators:
        read = analysed(doc)
        comparators = {c["period"]: c for c in read["comparators"]}
        for agency in sorted({v["agency"] for v in read["values"]}):
            values = [
                v for v in read["values"] if v["agency"] == agency and v["period"] in quarters
            ]
            if not values:
                continue
            highlights.append(
                {
                    "code": read["code"],
                    "name": f"{read['name']} ({agency})",
                    "unit": read["unit"],
                    "polarity": read["polarity"],
                    "trend": read["trends"].get(agency) or "insufficient data",
                    "series": [
                        {
                            "period": v["period"],
                            "value": v["value"],
                            "statistical_neighbours": comparators.get(v["period"], {}).get(
                                "statistical_neighbours"
                            ),
                            "england": comparators.get(v["period"], {}).get("england"),
                        }
                        for v in sorted(values, key=lambda v: v["period"])
                    ],
                    "major_changes": [
                        {
                            "period": c["period"],
                            "from": c["previous_value"],
                            "to": c["value"],
                            "change_pct": c["change_pct"],
                        }
                        for c in read["major_changes"]
                        if c["agency"] == agency and c["period"] in quarters
                    ],
                }
            )
    return {"highlights": highlights}
