"""Does the annual report's cost follow the year's items, not the years of history?

Seeds two stores with the same number of learning items per reporting year: (a) only 2026/27,
(b) ten years, 2017/18 to 2026/27. Then times the 2026 annual report, `build(ll, 2026)` plus
`render(report, "json")`, as the median of 5 runs (after one untimed warm-up) on each, and checks
that both stores give the same 2026 totals. Target: ten years' report <= 1.3 x one year's.

    .venv/bin/python benchmarks/report_history.py [--items-per-year 1000]
        [--store sqlite|postgres] [--quick]

Each item is identified, has 2 actions chosen with due dates, 2 progress reports per action
(on track, then complete), a measure and its evidence, all dated inside the item's year; about
90% get `met` evidence and are closed in the year, the rest get `partly_met` and stay open (with
their actions complete, so they add no 2026 figures, only documents the 2026 report reads).
Items are built as aggregates with `now` inside their year and saved ~200 per
`ll.log.save(...)`, then projected with one `ll.projector.catch_up()` (timed apart, reported on
stderr). The report is generated on REPORT_DAY, after the year's end (a fixed clock), so the
figures do not depend on the day the benchmark runs.

SQLite is a file in a temporary directory; PostgreSQL a fresh database learnloop_bench_<hex>,
dropped WITH (FORCE) afterwards. Both are removed before the script exits.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from bench_seed import unprojected
from bench_stores import open_store

from adapters.annual_report import build
from adapters.bootstrap import Learnloop, bootstrap
from adapters.reports import render
from adapters.settings import Settings
from domain.actor import Actor
from domain.commands.learning_item import (
    ChooseMeans,
    CloseItem,
    DefineMeasure,
    IdentifyNeed,
    RecordEvidence,
    ReportProgress,
)
from domain.framework import Framework
from domain.learning_item import LearningItem
from domain.reporting_year import year_bounds
from projections.documents import documents_as_at
from projections.reports import sections as report_sections
from projections.reports.annual import year_end_position
from projections.views.audits import audit_versions
from projections.views.case_reviews import case_review_versions
from projections.views.items import item_versions

REPORT_YEAR = 2026
HISTORY_FROM = 2017
REPORT_DAY = datetime(2027, 5, 3, 9, 0, tzinfo=UTC)  # the report is written after the year
ITEMS_PER_SAVE = 200
RUNS = 5
OPEN_SHARE = 0.1
TARGET = 1.3


@dataclass(frozen=True)
class Measured:
    years: int
    events: int
    seed_s: float
    catch_up_s: float
    report_s: float
    documents: int  # item documents the 2026 report read
    totals: dict[str, Any]
    phases: dict[str, float]  # median seconds of the report's parts


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


def _year_items(framework: Framework, year: int, count: int) -> list[LearningItem]:
    """`count` items of reporting year `year`, every event dated inside that year. The same
    year gives the same items (but new ids) in every store."""
    rng = random.Random(year)
    start, _end = year_bounds(year)
    actor = Actor(str(uuid4()), "Bench Seeder", "contributor")
    subgroups = framework.subgroups
    items = []
    for n in range(count):
        rules = subgroups[n % len(subgroups)]
        day0 = start + timedelta(days=rng.randrange(0, 180))

        def at(days: int, day0: date = day0) -> datetime:
            return _noon(day0 + timedelta(days=days))

        item = LearningItem.identify(
            framework,
            IdentifyNeed(
                subgroup=rules.slug,
                title=f"Learning {year}-{n}",
                description="Agencies did not share what they knew about the family in time.",
                source_kind=rules.identification_sources[0].slug,
                source_reference=f"REF-{year}-{n}",
                themes=["information sharing", "neglect"],
            ),
            actor=actor,
            now=at(0),
        )
        actions = [
            item.choose_means(
                rules,
                ChooseMeans(
                    means=rules.means_of_improvement[0].slug,
                    description=f"Action {k} put into practice across agencies",
                    owner="Children's social care",
                    due=day0 + timedelta(days=90 + 30 * k),
                ),
                actor=actor,
                now=at(7 + k),
            )
            for k in range(2)
        ]
        for k, action_id in enumerate(actions):
            item.report_progress(
                ReportProgress(action_id=action_id, status="on_track", note="Started"),
                actor=actor,
                now=at(30 + k),
            )
        measure_id = item.define_measure(
            rules,
            DefineMeasure(
                kind=rules.measures_of_effectiveness[0].slug,
                description="Workshop with practitioners some months on",
                review_due=day0 + timedelta(days=150),
            ),
            actor=actor,
            now=at(60),
        )
        for k, action_id in enumerate(actions):
            item.report_progress(
                ReportProgress(action_id=action_id, status="complete", note="Done"),
                actor=actor,
                now=at(80 + 30 * k),
            )
        stays_open = rng.random() < OPEN_SHARE
        item.record_evidence(
            RecordEvidence(
                measure_id=measure_id,
                outcome="partly_met" if stays_open else "met",
                summary="Practitioners' workshop",
                reference=None,
            ),
            actor=actor,
            now=at(150),
        )
        if not stays_open:
            item.close(CloseItem(summary="Learning embedded"), actor=actor, now=at(160))
        items.append(item)
    return items


def seed(ll: Learnloop, years: range, per_year: int) -> None:
    """Saves the years' items in order, ITEMS_PER_SAVE aggregates per transaction; no
    projection (the views are brought up once, afterwards)."""
    with unprojected(ll):
        for year in years:
            items = _year_items(ll.framework, year, per_year)
            for i in range(0, len(items), ITEMS_PER_SAVE):
                ll.log.save(*items[i : i + ITEMS_PER_SAVE])


def _median(fn: Callable[[], Any]) -> tuple[float, Any]:
    fn()  # warm-up, untimed
    gc.collect()
    times = []
    result = None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _phases(ll: Learnloop, report: dict[str, Any]) -> dict[str, float]:
    """The report's parts, each timed alone: the SQL that finds the year's documents (and
    decodes their JSON), the sections computed from them, and the JSON rendering."""
    framework = ll.framework
    start, end = year_bounds(REPORT_YEAR)
    position = report["as_at_position"]
    period = report_sections.Period(start, end, min(end, ll.learning.today()), framework.timezone)

    def query() -> tuple[list[Any], ...]:
        with ll.store.engine.connect() as conn:
            at = year_end_position(conn, position, end, framework.timezone)
            return tuple(
                documents_as_at(conn, table, upto, start, end)
                for table, upto in (
                    (item_versions, at),
                    (case_review_versions, position),
                    (case_review_versions, at),
                    (audit_versions, position),
                    (audit_versions, at),
                )
            )

    query_s, (items, reviews, reviews_at_end, audits, audits_at_end) = _median(query)
    sections_s, _ = _median(
        lambda: (
            report_sections.learning(items, framework, period),
            report_sections.case_reviews(reviews, reviews_at_end, period),
            report_sections.audits(audits, audits_at_end, framework, REPORT_YEAR, period),
        )
    )
    render_s, _ = _median(lambda: render(report, "json"))
    return {"query": query_s, "sections": sections_s, "render": render_s}


def measure(kind: str, tmp: Path, admin_url: str, years: range, per_year: int) -> Measured:
    label = f"{len(years)}y"
    with open_store(kind, tmp, label, admin_url) as store:
        ll = bootstrap(Settings(database_url=store.url), clock=lambda: REPORT_DAY)
        try:
            started = time.perf_counter()
            seed(ll, years, per_year)
            seed_s = time.perf_counter() - started
            started = time.perf_counter()
            ll.projector.catch_up()
            catch_up_s = time.perf_counter() - started
            events = ll.log.recorder.max_notification_id() or 0
            print(
                f"[{kind} {label}] seeded {events:,} events in {seed_s:.1f} s, "
                f"catch-up {catch_up_s:.1f} s ({events / catch_up_s:,.0f} events/s)",
                file=sys.stderr,
            )
            report_s, report = _median(lambda: render(build(ll, REPORT_YEAR), "json"))
            report = json.loads(report)
            documents = sum(s["loop"]["identification"] for s in report["subgroups"])
            phases = _phases(ll, build(ll, REPORT_YEAR))
        finally:
            ll.close()
    return Measured(
        len(years), events, seed_s, catch_up_s, report_s, documents, report["totals"], phases
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items-per-year", type=int, default=None, help="default 1000")
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--quick", action="store_true", help="200 items per year")
    parser.add_argument(
        "--postgres-url",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="an existing database to connect to while creating and dropping bench databases",
    )
    args = parser.parse_args(argv)
    per_year = args.items_per_year or (200 if args.quick else 1000)
    if per_year < 1:
        parser.error("--items-per-year must be at least 1")

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="learnloop_bench_") as tmp:
        one = measure(args.store, Path(tmp), args.postgres_url, range(REPORT_YEAR, 2027), per_year)
        ten = measure(args.store, Path(tmp), args.postgres_url, range(HISTORY_FROM, 2027), per_year)
    assert one.totals == ten.totals, f"2026 totals differ:\n{one.totals}\n{ten.totals}"

    ratio = ten.report_s / one.report_s
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(
        f"2026 annual report (build + render json), {args.store}, {per_year:,} items per year; "
        f"median of {RUNS} runs; {time.perf_counter() - started:.0f} s in all"
    )
    print()
    print("| history years | events in the store | report seconds (median) | ratio | target |")
    print("|---:|---:|---:|---:|---|")
    print(f"| {one.years} | {one.events:,} | {one.report_s:.3f} | 1.00 | |")
    print(
        f"| {ten.years} | {ten.events:,} | {ten.report_s:.3f} | {ratio:.2f} "
        f"| <= {TARGET} ({verdict}) |"
    )
    print()
    print("Where the time goes (median seconds of each part, timed alone):")
    print()
    print("| history years | item documents read | query + decode | sections | render json |")
    print("|---:|---:|---:|---:|---:|")
    for m in (one, ten):
        p = m.phases
        print(
            f"| {m.years} | {m.documents:,} | {p['query']:.3f} | {p['sections']:.3f} "
            f"| {p['render']:.3f} |"
        )
    print()
    for m in (one, ten):
        print(f"2026 totals, {m.years}-year store: {json.dumps(m.totals)}")
    print("(asserted equal)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
