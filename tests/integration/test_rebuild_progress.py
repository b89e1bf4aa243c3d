"""A rebuild reports its progress batch by batch, and what it relaxes meanwhile is put back.

A rebuild runs in bigger batches, with commits that do not wait for the disk and without the
views' secondary indexes; afterwards the store is as durable and as indexed as before, and a
rebuild that dies part-way leaves views the next start-up rebuilds whole.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from domain.commands.learning_item import ChooseMeans, IdentifyNeed, ReportProgress
from projections import schema

SCR = "serious-case-review"
MEANS = "implementation_of_recommendations"


def record(ll: Any, actor: Any, items: int) -> int:
    """Records three events per item without projecting them; returns the event count."""
    ll.log.recorder.on_committed = lambda committed: None
    for n in range(items):
        item = ll.learning.identify(
            actor,
            IdentifyNeed(
                subgroup=SCR,
                title=f"t{n}",
                description="d",
                source_kind="local_serious_case_review",
            ),
        )
        action = ll.learning.choose_means(
            item, actor, ChooseMeans(means=MEANS, description="a", owner="o", due=date(2026, 6, 1))
        )
        ll.learning.report_progress(
            item, actor, ReportProgress(action_id=action, status="at_risk", note="")
        )
    return ll.log.recorder.max_notification_id() or 0


def index_names(engine: sa.Engine) -> set[str]:
    inspector = sa.inspect(engine)
    return {i["name"] for t in schema.metadata.sorted_tables for i in inspector.get_indexes(t.name)}


def durability(engine: sa.Engine) -> set[str]:
    """The commit durability of every connection the pool hands out (all at once)."""
    query = "PRAGMA synchronous" if engine.dialect.name == "sqlite" else "SHOW synchronous_commit"
    conns = [engine.raw_connection() for _ in range(6)]  # below SQLAlchemy's BEGIN
    try:
        return {str(c.cursor().execute(query).fetchone()[0]) for c in conns}
    finally:
        for c in conns:
            c.close()


def test_a_rebuild_reports_each_batch_and_ends_at_the_total(ll, actors, view_rows):
    count = record(ll, actors.business_manager, items=5)  # 15 events (and users' none)
    ll.projector.catch_up()
    incremental = view_rows(ll.store.engine)
    ll.projector.rebuild_batch_size = 4
    reports: list[tuple[int, int]] = []

    assert ll.projector.rebuild(progress=lambda done, total: reports.append((done, total))) == count

    assert reports == [(4, count), (8, count), (12, count), (count, count)]
    assert view_rows(ll.store.engine) == incremental


def test_catch_up_reports_progress_in_its_own_batches(ll, actors):
    count = record(ll, actors.business_manager, items=3)
    ll.projector.batch_size = 5
    reports: list[tuple[int, int]] = []

    assert ll.projector.catch_up(progress=lambda *r: reports.append(r)) == count

    assert reports == [(5, count), (count, count)]
    assert ll.projector.catch_up(progress=lambda *r: reports.append(r)) == count
    assert len(reports) == 2  # nothing left to apply, nothing reported


def test_a_rebuild_puts_back_durability_and_indexes(ll, actors):
    record(ll, actors.business_manager, items=3)
    engine = ll.store.write_engine
    indexes, before = index_names(engine), durability(engine)
    assert "ix_audit_subgroup" in indexes
    assert before == ({"2"} if engine.dialect.name == "sqlite" else {"on"})

    ll.projector.rebuild_batch_size = 2
    seen: list[set[str]] = []
    ll.projector.rebuild(progress=lambda *_: seen.append(index_names(engine)) if not seen else None)

    assert "ix_audit_subgroup" not in seen[0]  # built once, after the rows
    assert index_names(engine) == indexes
    assert durability(engine) == before


class Dies(Exception):
    pass


def test_a_rebuild_that_dies_part_way_is_rebuilt_whole_at_the_next_start(
    open_learnloop, make_actors, view_rows
):
    ll = open_learnloop()
    count = record(ll, make_actors(ll).business_manager, items=4)
    ll.projector.catch_up()
    whole = view_rows(ll.store.engine)
    indexes = index_names(ll.store.engine)
    ll.projector.rebuild_batch_size = 3

    def die_at_six(done: int, total: int) -> None:
        if done >= 6:
            raise Dies

    with pytest.raises(Dies):
        ll.projector.rebuild(progress=die_at_six)
    assert ll.projector.positions()["audit_trail"] == 6
    with ll.store.engine.connect() as conn:
        assert conn.execute(sa.select(schema.schema_version)).first() is None

    again = open_learnloop()

    assert again.projector.positions()["audit_trail"] == count
    assert view_rows(again.store.engine) == whole
    assert index_names(again.store.engine) == indexes
