"""A partnership moves in last year's action plan (64 rows across every subgroup, with past
dates) on 1 May 2026, and reads the previous reporting year's annual report (1 April 2025 to 31
March 2026): every figure as the plan's own rows give it, on each store."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from adapters.annual_report import build
from adapters.bootstrap import bootstrap
from adapters.settings import Settings
from adapters.spreadsheets.plan_import import import_action_plan
from domain.actor import system_actor
from services.migration import ActionPlans

FIXTURE = Path(__file__).parents[1] / "e2e" / "fixtures" / "migration-plan-2025.csv"
START, END = date(2025, 4, 1), date(2026, 3, 31)


def day(text: str) -> date | None:
    if not text:
        return None
    if "/" in text:
        d, m, y = text.split("/")
        return date(int(y), int(m), int(d))
    return date.fromisoformat(text)


def in_year(text: str) -> bool:
    found = day(text)
    return found is not None and START <= found <= END


def expected(rows: list[dict[str, str]], slug: str) -> dict[str, Any]:
    mine = [r for r in rows if r["Subgroup"] == slug]
    items = {r["Item reference"]: r for r in mine}
    actions = [r for r in mine if r["Action"]]
    evidence = [r for r in mine if r["Evidence outcome"]]
    outcome = {"met": "met", "partly met": "partly_met", "not met": "not_met"}
    return {
        "needs_identified": sum(in_year(r["Identified on"]) for r in items.values()),
        "sources": Counter(r["Source kind"] for r in items.values() if in_year(r["Identified on"])),
        "chosen": sum(in_year(r["Identified on"]) for r in actions),
        "completed": sum(r["Status"] == "complete" and in_year(r["Status on"]) for r in actions),
        "measures_defined": sum(
            bool(r["Measure kind"]) and in_year(r["Identified on"]) for r in mine
        ),
        "evidence": Counter(
            outcome[r["Evidence outcome"]] for r in evidence if in_year(r["Evidence on"])
        ),
        "closed_with_evidence": sum(in_year(r["Closed on"]) for r in items.values()),
    }


def test_last_years_plan_gives_last_years_report(database_url: str, clock: Any) -> None:
    ll = bootstrap(Settings(database_url=database_url), clock)
    try:
        plans = ActionPlans(ll.log, ll.framework, ll.clock)
        outcome = import_action_plan(plans, FIXTURE, system_actor("import by test"))
        assert outcome.rows == 64
        report = build(ll, 2025)
    finally:
        ll.close()
    with FIXTURE.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    for subgroup in report["subgroups"]:
        want = expected(rows, subgroup["slug"])
        got = {
            "needs_identified": subgroup["needs_identified"],
            "sources": Counter({s["slug"]: s["count"] for s in subgroup["sources"]}),
            "chosen": subgroup["actions"]["chosen"],
            "completed": subgroup["actions"]["completed"],
            "measures_defined": subgroup["measures_defined"],
            "evidence": Counter({k: v for k, v in subgroup["evidence"].items() if v}),
            "closed_with_evidence": subgroup["closed_with_evidence"],
        }
        assert got == want, subgroup["slug"]
    assert sum(s["needs_identified"] for s in report["subgroups"]) == 32
