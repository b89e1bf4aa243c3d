"""The projector under faults: a crash mid-batch, two projectors at once, a killed process.

After each, a projector catching up must leave the views exactly as a full rebuild does: every
event applied once, none skipped.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from adapters.bootstrap import Learnloop, bootstrap
from adapters.settings import Settings
from domain.commands.learning_item import (
    ChooseMeans,
    CloseItem,
    DefineMeasure,
    IdentifyNeed,
    RecordEvidence,
    ReportProgress,
)
from projections import schema
from projections.documents import View
from projections.projector import Projector
from projections.views import items as item_summary
from projections.views.items import ItemSummaryView

SCR = "serious-case-review"
MEANS = "implementation_of_recommendations"
MEASURE = "evaluation_workshop"
ROOT = Path(__file__).resolve().parents[2]


def record_backlog(ll: Learnloop, actor: Any, clock: Any, items: int) -> int:
    """Records about seven events per item without projecting them; returns the event count."""
    ll.log.recorder.on_committed = lambda committed: None
    for n in range(items):
        clock.advance(hours=1)
        item = ll.learning.identify(
            actor,
            IdentifyNeed(
                subgroup=SCR,
                title=f"Item {n}",
                description="d",
                source_kind="local_serious_case_review",
            ),
        )
        due = ll.learning.today() + timedelta(days=n)
        action = ll.learning.choose_means(
            item, actor, ChooseMeans(means=MEANS, description="a", owner="o", due=due)
        )
        ll.learning.report_progress(
            item, actor, ReportProgress(action_id=action, status="at_risk", note="")
        )
        if n % 3:
            ll.learning.report_progress(
                item, actor, ReportProgress(action_id=action, status="complete", note="")
            )
        measure = ll.learning.define_measure(
            item, actor, DefineMeasure(kind=MEASURE, description="m", review_due=due)
        )
        ll.learning.record_evidence(
            item,
            actor,
            RecordEvidence(
                measure_id=measure,
                outcome="met" if n % 2 else "not_met",
                summary="s",
                reference=None,
            ),
        )
        if n % 2:  # an item whose action is still open closes by the business manager's override
            override = None if n % 3 else "its action is moot"
            ll.learning.close_item(item, actor, CloseItem(summary="done", override_reason=override))
    return ll.log.recorder.max_notification_id() or 0


def projector(ll: Learnloop, views: list[View] | None = None, batch_size: int = 5) -> Projector:
    return Projector(
        ll.store.write_engine,
        ll.log.recorder,
        ll.log.mapper.to_domain_event,
        views if views is not None else list(ll.projector.views),
        batch_size=batch_size,
    )


def assert_exactly_once(ll: Learnloop, count: int, view_rows: Any) -> None:
    """The views hold every event once, as a rebuild gives them and as the aggregates are."""
    caught_up = view_rows(ll.store.engine)
    assert [r["position"] for r in caught_up["view_audit_trail"]] == list(range(1, count + 1))
    assert {r["position"] for r in caught_up["view_tracking"]} == {count}
    for row in caught_up["view_items"]:
        item = ll.log.repository.get(UUID(row["id"]))
        assert (row["version"], row["doc"]["stage"]) == (item.version, item.stage)
    assert ll.projector.rebuild() == count
    assert view_rows(ll.store.engine) == caught_up


def _positions(ll: Learnloop, *views: str) -> tuple[int, ...]:
    positions = ll.projector.positions()
    return tuple(positions[v] for v in views)


def fold_items(ll: Learnloop, upto: int) -> dict[str, dict[str, Any]]:
    docs: dict[str, dict[str, Any]] = {}
    for n in ll.log.recorder.select_notifications(start=1, limit=upto):
        event = ll.log.mapper.to_domain_event(n)
        key = str(event.originator_id)
        docs[key] = item_summary.evolve(docs.get(key), event)
    return docs


class Crash(Exception):
    pass


class CrashesPartWay:
    """Wraps a view: on its `crash_on`-th batch it writes half the batch, then dies."""

    def __init__(self, view: View, crash_on: int) -> None:
        self.view = view
        self.name = view.name
        self.tables = view.tables
        self.crash_on = crash_on
        self.batches = 0

    def apply(self, conn: sa.Connection, batch: Any) -> None:
        self.batches += 1
        if self.batches == self.crash_on:
            self.view.apply(conn, batch[: len(batch) // 2 + 1])
            raise Crash(self.name)
        self.view.apply(conn, batch)


@pytest.mark.parametrize("resuming", ["same projector", "fresh projector"])
@pytest.mark.parametrize("crashing", ["item_summary", "audit_trail"])
def test_crash_mid_batch_rolls_back_and_catching_up_again_applies_each_event_once(
    ll, actors, clock, crashing, resuming, view_rows
):
    count = record_backlog(ll, actors.business_manager, clock, items=4)
    assert set(ll.projector.positions().values()) == {0}
    views: list[Any] = list(ll.projector.views)
    index = [v.name for v in views].index(crashing)
    views[index] = CrashesPartWay(views[index], crash_on=3)

    crashed = projector(ll, views, batch_size=5)
    with pytest.raises(Crash):
        crashed.catch_up()

    assert _positions(ll, "item_summary", "audit_trail") == (10, 10)
    rows = view_rows(ll.store.engine)
    assert [r["position"] for r in rows["view_audit_trail"]] == list(range(1, 11))
    assert {r["id"]: r["doc"] for r in rows["view_items"]} == fold_items(ll, 10)

    again = crashed if resuming == "same projector" else projector(ll, batch_size=5)
    assert again.catch_up() == count
    assert_exactly_once(ll, count, view_rows)


def test_a_projector_resumes_from_tracking_after_a_crash_between_views(
    ll, actors, clock, view_rows
):
    """Each view keeps its own position: a lagging view catches up without re-applying others."""
    count = record_backlog(ll, actors.business_manager, clock, items=2)
    projector(ll, [ItemSummaryView()], batch_size=4).catch_up()
    assert _positions(ll, "item_summary", "audit_trail") == (count, 0)
    assert projector(ll, batch_size=4).catch_up() == count
    assert_exactly_once(ll, count, view_rows)


def test_two_projectors_taking_turns_never_double_apply(ll, actors, clock, view_rows):
    """Each takes part of the backlog, then the other the rest, from a position it did not see."""
    projectors = [projector(ll, batch_size=3), projector(ll, batch_size=3)]
    count = before = 0
    for turn in range(4):
        before, count = count, record_backlog(ll, actors.business_manager, clock, items=1)
        leader, follower = projectors[turn % 2], projectors[1 - turn % 2]
        assert before < leader.catch_up(until=before + 2) < count
        assert follower.catch_up() == count
        assert _positions(ll, "item_summary", "audit_trail") == (count, count)
    assert_exactly_once(ll, count, view_rows)


def test_two_projectors_catching_up_at_once_never_double_apply(ll, actors, clock, view_rows):
    count = record_backlog(ll, actors.business_manager, clock, items=6)
    first, second = projector(ll, batch_size=2), projector(ll, batch_size=2)
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run(p: Projector) -> None:
        try:
            start.wait(timeout=10)
            p.catch_up()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(p,)) for p in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert_exactly_once(ll, count, view_rows)


class Pauses:
    """A recorder whose first read hands over, then waits until told to go on."""

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        self.fetched = threading.Event()
        self.go_on = threading.Event()

    def select_notifications(self, *args: Any, **kwargs: Any) -> Any:
        found = self.recorder.select_notifications(*args, **kwargs)
        if not self.fetched.is_set():
            self.fetched.set()
            assert self.go_on.wait(timeout=10)
        return found


class WaitsInsideTransaction:
    """Wraps a view: after writing, holds the transaction open until `release()` returns."""

    def __init__(self, view: View, release: Any) -> None:
        self.view = view
        self.name = view.name
        self.tables = view.tables
        self.release = release

    def apply(self, conn: sa.Connection, batch: Any) -> None:
        self.view.apply(conn, batch)
        self.release()


def _blocked_backends(ll: Learnloop) -> int:
    query = sa.text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    with ll.store.engine.connect() as conn:
        return conn.execute(query).scalar_one()


def test_a_projector_overlapping_another_discards_its_stale_batch(ll, actors, clock, view_rows):
    """B reads the same batch as A and writes while (or after) A's transaction commits.

    B must find its tracking stale, roll back and carry on: not fail, not apply twice.
    """
    bm = actors.business_manager
    item = ll.learning.identify(
        bm,
        IdentifyNeed(
            subgroup=SCR, title="t", description="d", source_kind="local_serious_case_review"
        ),
    )
    ll.log.recorder.on_committed = lambda committed: None
    ll.learning.choose_means(
        item, bm, ChooseMeans(means=MEANS, description="a", owner="o", due=date(2026, 6, 1))
    )
    count = ll.log.recorder.max_notification_id()
    paused = Pauses(ll.log.recorder)
    b = Projector(
        ll.store.write_engine,
        paused,
        ll.log.mapper.to_domain_event,
        list(ll.projector.views),
    )
    errors: list[BaseException] = []

    def run_b() -> None:
        try:
            b.catch_up()
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run_b)
    thread.start()
    assert paused.fetched.wait(timeout=10)

    def release() -> None:
        paused.go_on.set()
        if ll.store.kind == "postgresql":
            for _ in range(2000):
                if _blocked_backends(ll):
                    return
                time.sleep(0.005)
            pytest.fail("projector B never waited for A's locks")

    a = projector(
        ll,
        [
            WaitsInsideTransaction(v, release) if v.name == "audit_trail" else v
            for v in ll.projector.views
        ],
    )
    assert a.catch_up() == count
    thread.join(timeout=30)
    assert not thread.is_alive()
    if errors:
        raise errors[0]
    assert_exactly_once(ll, count, view_rows)


CHILD = textwrap.dedent(
    """
    import sys, time
    from datetime import UTC, datetime
    from adapters.bootstrap import bootstrap
    from adapters.settings import Settings
    from domain.commands.learning_item import ChooseMeans, IdentifyNeed, ReportProgress
    from projections.views.audit_trail import AuditTrailView

    url, items = sys.argv[1], int(sys.argv[2])
    ll = bootstrap(Settings(database_url=url, projection_batch_size=3),
                   clock=lambda: datetime(2026, 5, 1, 9, tzinfo=UTC))
    known = {s.slug for s in ll.framework.subgroups}
    bm = ll.users.add("Bea", "business_manager", [], known).actor
    ll.log.recorder.on_committed = lambda committed: None
    for n in range(items):
        item = ll.learning.identify(bm, IdentifyNeed(
            subgroup="serious-case-review", title=f"Item {n}", description="d",
            source_kind="local_serious_case_review"))
        action = ll.learning.choose_means(item, bm, ChooseMeans(
            means="implementation_of_recommendations", description="a", owner="o",
            due=datetime(2026, 6, 1).date()))
        ll.learning.report_progress(
            item, bm, ReportProgress(action_id=action, status="complete", note=""))
    real = AuditTrailView.apply
    def slow_apply(self, conn, batch):
        real(self, conn, batch)
        time.sleep(0.01)  # hold each batch's transaction open, so the kill lands inside one
    AuditTrailView.apply = slow_apply
    print("recorded", ll.log.recorder.max_notification_id(), flush=True)
    ll.projector.catch_up()
    print("caught up", flush=True)
    """
)


def _lowest_position(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.min(schema.tracking.c.position))).scalar() or 0


@pytest.mark.slow
def test_a_killed_projector_process_resumes_exactly_once(tmp_path, clock, view_rows):
    url = f"sqlite:///{tmp_path}/killed.db"
    items = 60
    paths = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(items)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    engine = sa.create_engine(url)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.startswith("recorded"), line + child.stderr.read()
        count = int(line.split()[1])
        assert count == 3 * items
        for _ in range(20_000):
            if _lowest_position(engine) > 0 or child.poll() is not None:
                break
            time.sleep(0.001)
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=10) == -signal.SIGKILL
        killed_at = _lowest_position(engine)
    finally:
        engine.dispose()
        if child.poll() is None:
            child.kill()
            child.wait()
    assert 0 < killed_at < count, "the child must be killed part-way through catching up"

    ll = bootstrap(Settings(database_url=url), clock=clock)
    try:
        assert_exactly_once(ll, count, view_rows)
        item_ids = [r["id"] for r in view_rows(ll.store.engine)["view_items"]]
        assert len(item_ids) == items
        stages = {ll.read_models.item(i, date(2026, 5, 1))["stage"] for i in item_ids}
        assert stages == {"effectiveness"}
    finally:
        ll.close()
