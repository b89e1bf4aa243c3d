"""Figures into table rows: target, store, measurement, result, baseline, ratio, goal, met?."""

from __future__ import annotations

from dataclasses import dataclass

import report_history
from bench_reads import Bare, Gets
from bench_targets import Commands, Plan, Seeded
from bench_wrk import Load

HEADER = ("target", "store", "measurement", "result", "same-run baseline", "ratio", "goal", "met?")
GOALS = {
    "P1": (">=", 0.5),
    "P2": (">=", 0.6),
    "P3": (">=", 0.5),
    "P4": ("<=", 1.2),
    "P5": ("<=", 1.3),
    "P6": ("<=", 1.2),
    "P8": (">=", 0.9),
    "raw": ("", 0.0),  # the store's raw commit rate: a reference row, no goal
}


@dataclass(frozen=True)
class Row:
    target: str
    store: str
    measurement: str
    result: str
    baseline: str
    ratio: float | None
    verdict: bool = True  # False: a detail row, no goal or verdict of its own
    failed: str = ""  # why there is no result (errors), if so

    def cells(self) -> tuple[str, ...]:
        sign, goal = GOALS[self.target]
        ratio = "" if self.ratio is None else f"{self.ratio:.2f}"
        if not self.verdict:
            return (
                self.target,
                self.store,
                self.measurement,
                self.result,
                self.baseline,
                ratio,
                "",
                "",
            )
        if self.failed or self.ratio is None:
            met = f"no result: {self.failed or 'not measured'}"
        else:
            ok = self.ratio >= goal if sign == ">=" else self.ratio <= goal
            met = "yes" if ok else "**no**"
        return (
            self.target,
            self.store,
            self.measurement,
            self.result,
            self.baseline,
            ratio,
            f"{sign} {goal}",
            met,
        )


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|---|---|---|---:|---:|---:|---|---|"]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def _k(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    return f"{n // 1000}k" if n % 1000 == 0 else f"{n:,}"


def _clients(n: int) -> str:
    return f"{n} client{'s' if n != 1 else ''}"


def _best(loads: dict[int, Load]) -> Load:
    return max(loads.values(), key=lambda load: load.per_s)


def commands(kind: str, c: Commands, workers: int | None) -> list[Row]:
    """P1: commands/s over the bare app's requests/s (each at its best client count), with
    each client count's pair as detail rows, and the raw commit rate as a reference row."""
    best = _best(c.loads)
    bare = _best(c.bare) if c.bare else None
    failed = [load for load in c.loads.values() if load.errors]
    failed += [load for load in c.bare.values() if load.errors]
    served = f"workers={workers}" if workers else "one process"
    rows = [
        Row(
            "P1",
            kind,
            f"HTTP commands/s ({served}), best of {'/'.join(map(str, c.loads))} clients "
            f"({best.connections}); {best.describe()}",
            f"{best.per_s:,.0f} cmd/s",
            f"bare FastAPI POST, same bodies parsed: {bare.per_s:,.0f} req/s ({bare.connections})"
            if bare
            else "not measured",
            best.per_s / bare.per_s if bare and bare.per_s else None,
            failed=f"errors at {', '.join(_clients(f.connections) for f in failed)}"
            if failed
            else "",
        )
    ]
    rows += [
        Row(
            "P1",
            kind,
            f"&nbsp;&nbsp;{_clients(n)}: {load.describe()}",
            f"{load.per_s:,.0f} cmd/s",
            f"{c.bare[n].per_s:,.0f} req/s" if n in c.bare else "",
            load.per_s / c.bare[n].per_s if n in c.bare and c.bare[n].per_s else None,
            verdict=False,
        )
        for n, load in c.loads.items()
    ]
    rows.append(
        Row(
            "raw",
            kind,
            f"raw single-row insert+commit, product durability (median of {len(c.raw_runs)}: "
            f"{min(c.raw_runs):,.0f}-{max(c.raw_runs):,.0f})",
            f"{c.raw_per_s:,.0f} rows/s",
            f"best commands {best.per_s:,.0f} cmd/s",
            best.per_s / c.raw_per_s,
            verdict=False,
        )
    )
    return rows


def p8(kind: str, plan: Plan, small: Commands, large: Commands) -> list[Row]:
    big, little = _best(large.loads), _best(small.loads)
    return [
        Row(
            "P8",
            kind,
            f"HTTP commands/s with {_k(plan.large)} events stored, best of "
            f"{'/'.join(map(str, large.loads))} clients ({big.connections}); {big.describe()}",
            f"{big.per_s:,.0f} cmd/s",
            f"with {_k(plan.small)} events: {little.per_s:,.0f} cmd/s ({little.connections})",
            big.per_s / little.per_s if little.per_s else None,
            failed="errors" if any(load.errors for load in large.loads.values()) else "",
        )
    ]


def p2(kind: str, item: Load, bare: Bare) -> list[Row]:
    n = _clients(item.connections)
    return [
        Row(
            "P2",
            kind,
            f"GET item req/s, {n}; {item.describe()}",
            f"{item.per_s:,.0f} req/s",
            f"bare FastAPI {bare.load.per_s:,.0f} req/s ({bare.sample_bytes:,} B JSON); "
            f"{bare.load.describe()}",
            item.per_s / bare.load.per_s if bare.load.per_s else None,
            failed="errors" if item.errors or bare.load.errors else "",
        )
    ]


def p3(kind: str, events: int, seeded: Seeded) -> list[Row]:
    rebuild, decode = seeded.rebuild, seeded.decode
    assert rebuild is not None and decode is not None
    return [
        Row(
            "P3",
            kind,
            f"projection rebuild, {_k(events)} events",
            f"{rebuild.per_s:,.0f} events/s ({rebuild.seconds:.0f} s)",
            f"read+decode {decode.per_s:,.0f} events/s ({decode.seconds:.1f} s)",
            rebuild.per_s / decode.per_s,
        )
    ]


def p4(kind: str, plan: Plan, small: Gets, large: Gets) -> list[Row]:
    rows = []
    for label, s, b in (
        ("item", small.item, large.item),
        ("history", small.history, large.history),
    ):
        failed = "errors" if s.errors or b.errors else ""
        for pct, sv, bv in (("p50", s.p50_ms, b.p50_ms), ("p99", s.p99_ms, b.p99_ms)):
            rows.append(
                Row(
                    "P4",
                    kind,
                    f"GET {label} {pct}, 1 client ({b.ok:,} vs {s.ok:,} requests)",
                    f"{bv:.2f} ms at {_k(plan.large)}",
                    f"{sv:.2f} ms at {_k(plan.small)}",
                    bv / sv if sv else None,
                    failed=failed,
                )
            )
    return rows


def p5(
    kind: str, per_year: int, one: report_history.Measured, ten: report_history.Measured
) -> list[Row]:
    return [
        Row(
            "P5",
            kind,
            f"2026 annual report (build + render json, median of {report_history.RUNS}), "
            f"{per_year:,} items a year",
            f"{ten.report_s:.3f} s over 10 years ({ten.events:,} events)",
            f"{one.report_s:.3f} s over 1 year ({one.events:,} events)",
            ten.report_s / one.report_s,
            failed="" if one.totals == ten.totals else "2026 totals differ",
        )
    ]


def p6(kind: str, plan: Plan, small: Gets, large: Gets) -> list[Row]:
    return [
        Row(
            "P6",
            kind,
            "server peak RSS (VmHWM) after the same GET load; once started and idle "
            f"({large.settle_s:.0f} vs {small.settle_s:.0f} s): "
            f"{large.started_rss_mib:.0f} vs {small.started_rss_mib:.0f} MiB",
            f"{large.rss_mib:.0f} MiB at {_k(plan.large)}",
            f"{small.rss_mib:.0f} MiB at {_k(plan.small)}",
            large.rss_mib / small.rss_mib,
        )
    ]


def notes(plan: Plan) -> list[str]:
    return [
        "- P1, P8: wrk sends 1 new learning item per 3 new actions on seeded items; a run with "
        "any non-2xx answer or socket error is not a result. P1's baseline is bare_app.py's "
        "POST routes (the product's own request models parse the same bodies; 201), served by "
        "the same `learnloop serve` command line, loaded right after each product load. The raw "
        "row (a single-row insert+commit loop before each load and after the last; median) is "
        "a reference. P8: the same load on the large store over the small one.",
        f"- P2: {plan.get_clients} connections on both sides, the same wrk script and paths.",
        "- P3: rebuild = drop every view and replay the whole log; the log is read and decoded "
        "again, alone, for the baseline. Seeding is not timed.",
        "- P4, P6: each server is loaded once it has gone idle after start (its first reminder "
        "sweep runs at start-up). P4: one connection, random seeded items; p99 of a few "
        "thousand requests on a shared machine is noisy.",
        "- P5: report_history.py's measurement; the 2026 totals of both stores must agree.",
        "- P6: with worker processes, the sum of their VmHWM (an upper bound).",
    ]
