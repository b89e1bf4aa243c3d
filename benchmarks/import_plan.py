"""Moving in and out at scale (issue 12): an action plan of --rows rows (10,000 by default: two
actions per item, across every subgroup, with statuses, measures and evidence on past dates)
imported with `learnloop import action-plan`, then exported with `learnloop export action-plan`
as .xlsx and .csv, on each store. Prints figures, asserts nothing: targets are 1,000 rows/s or
more with the importing process's peak RSS under 250 MiB, and 5,000 rows/s or more exported.

Each command runs in a process of its own, as a person runs it, so its peak RSS is its own and
its time includes starting up.

    .venv/bin/python benchmarks/import_plan.py [--stores sqlite,postgres] [--rows 10000]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bench_stores import open_store

from adapters.framework.loader import load_framework

IMPORT_TARGET, EXPORT_TARGET, RSS_TARGET_MIB = 1000, 5000, 250
HEADER = [
    *("Item reference", "Subgroup", "Title", "Source kind", "Identified on", "Themes"),
    *("Means", "Action", "Owner", "Owner email", "Due", "Status", "Status on"),
    *("Measure kind", "Review due", "Evidence outcome", "Evidence summary", "Evidence on"),
]


def plan_file(path: Path, rows: int) -> None:
    framework = load_framework()
    subgroups = framework.subgroups
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        for n in range(rows):
            item, second = divmod(n, 2)
            s = subgroups[item % len(subgroups)]
            identified = date(2025, 4, 1) + timedelta(days=item % 300)
            due = identified + timedelta(days=30 + 20 * second)
            status = ("complete", "on_track", "at_risk")[item % 3] if not second else "off_track"
            measure = s.measures_of_effectiveness[0].slug if not second else ""
            evidence = ("met", "Cases audited showed the change", identified + timedelta(days=50))
            writer.writerow(
                [
                    f"BENCH-{item:05d}",
                    s.slug,
                    f"Learning need {item}",
                    s.identification_sources[item % len(s.identification_sources)].slug,
                    identified.isoformat(),
                    "escalation; neglect",
                    s.means_of_improvement[second % len(s.means_of_improvement)].slug,
                    f"Action {second + 1} of need {item}",
                    "Children's Services",
                    "owner@example.org",
                    due.isoformat(),
                    status,
                    (identified + timedelta(days=10)).isoformat(),
                    measure,
                    (identified + timedelta(days=200)).isoformat() if measure else "",
                    *(
                        (evidence[0], evidence[1], evidence[2].isoformat())
                        if measure
                        else ("",) * 3
                    ),
                ]
            )


def child(url: str, plan: Path, out: Path) -> None:
    """In this process: import the plan (recording, then the read models catching up), then
    export it as .xlsx and .csv; prints the figures as JSON, and the peak RSS."""
    from adapters.bootstrap import bootstrap
    from adapters.settings import Settings
    from adapters.spreadsheets.exports import table
    from adapters.spreadsheets.plan_import import import_action_plan
    from adapters.spreadsheets.write import Table, write
    from domain.actor import system_actor
    from services.migration import ActionPlans

    ll = bootstrap(Settings(database_url=url))
    figures: dict[str, float] = {}
    try:
        start = time.perf_counter()
        outcome = import_action_plan(
            ActionPlans(ll.log, ll.framework, ll.clock), plan, system_actor("benchmark")
        )
        figures["rows"] = outcome.rows
        figures["recorded"] = time.perf_counter() - start
        start = time.perf_counter()
        ll.projector.catch_up()  # the views follow each commit (ADR 0021): what is left, if any
        figures["projected"] = time.perf_counter() - start
        figures["rss_import"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        for format in ("xlsx", "csv"):
            start = time.perf_counter()
            found = table("action-plan", ll.framework, ll.read_models, ll.learning.today())
            rows = list(found.rows)
            (out / f"export.{format}").write_bytes(
                write(Table(found.name, found.columns, rows), format)
            )
            figures[f"export_{format}"] = time.perf_counter() - start
            figures[f"exported_{format}"] = len(rows)
    finally:
        ll.close()
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--child", nargs=3, metavar=("URL", "PLAN", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "LEARNLOOP_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1/test"
        ),
    )
    options = parser.parse_args()
    if options.child:
        url, plan_name, out = options.child
        child(url, Path(plan_name), Path(out))
        return
    print(f"{'store':<9} {'step':<34} {'rows':>6} {'seconds':>8} {'rows/s':>7}  target")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        plan = tmp / "plan.csv"
        plan_file(plan, options.rows)
        for kind in options.stores.split(","):
            with open_store(kind, tmp, f"import-{kind}", options.postgres_url) as store:
                done = subprocess.run(
                    [sys.executable, __file__, "--child", store.url, str(plan), str(tmp)],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if done.returncode != 0:
                    sys.exit(done.stderr)
                f = json.loads(done.stdout.strip().splitlines()[-1])
                rows = f["rows"]
                lines = [
                    ("import: checked, recorded, projected", f["recorded"], None),
                    ("import: read models' catch-up after", f["projected"], None),
                    ("import: both", f["recorded"] + f["projected"], IMPORT_TARGET),
                    ("export .xlsx", f["export_xlsx"], EXPORT_TARGET),
                    ("export .csv", f["export_csv"], EXPORT_TARGET),
                ]
                for step, seconds, target in lines:
                    rate = rows / seconds
                    verdict = (
                        ""
                        if target is None
                        else f">= {target}/s: " + ("met" if rate >= target else "NOT met")
                    )
                    print(f"{kind:<9} {step:<34} {rows:>6} {seconds:>8.2f} {rate:>7.0f}  {verdict}")
                rss = f["rss_import"]
                verdict = "met" if rss < RSS_TARGET_MIB else "NOT met"
                print(
                    f"{kind:<9} {'import: peak RSS (MiB)':<34} {rss:>6.0f}{'':>17}"
                    f"  < {RSS_TARGET_MIB} MiB: {verdict}"
                )


if __name__ == "__main__":
    main()
