"""The event log's hash chain, on each store: a clean log verifies, and each kind of tampering,
injected with raw SQL behind the application's back, is found at its exact position (ADR 0011).
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import sqlalchemy as sa
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError

from adapters.bootstrap import Learnloop
from adapters.persistence.integrity import CHAIN_TABLE, GENESIS, Digest, head_digest, verify
from domain.commands.learning_item import ChooseMeans, IdentifyNeed, ReportProgress

SCR = "serious-case-review"
SOURCE = "local_serious_case_review"
MEANS = "implementation_of_recommendations"
LEARNLOOP = Path(sys.executable).parent / "learnloop"
P, Q = 10, 20
DUE = date(2026, 6, 30)


def fill(ll: Learnloop, actor: Any, items: int) -> int:
    """Four events an item (identified, means chosen, two progress reports); the head position."""
    for n in range(items):
        item = ll.learning.identify(
            actor,
            IdentifyNeed(title=f"Learning {n}", subgroup=SCR, description="d", source_kind=SOURCE),
        )
        action = ll.learning.choose_means(
            item,
            actor,
            ChooseMeans(means=MEANS, description="Revise policy", owner="LSCB", due=DUE),
        )
        for status in ("at_risk", "on_track"):
            ll.learning.report_progress(
                item, actor, ReportProgress(action_id=action, status=status, note=status)
            )
    return ll.log.recorder.max_notification_id() or 0


class Db:
    """Raw access to the events and chain tables, whatever the store calls their columns."""

    def __init__(self, ll: Learnloop) -> None:
        self.engine = ll.store.write_engine
        self.events = ll.log.recorder.events_table_name
        self.pg = ll.store.kind == "postgresql"
        self.pos = "notification_id" if self.pg else "rowid"

    def run(self, sql: str, **params: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.text(sql.format(events=self.events, pos=self.pos)), params)

    def row(self, position: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            sql = f"SELECT * FROM {self.events} WHERE {self.pos} = :p"
            return dict(conn.execute(sa.text(sql), {"p": position}).mappings().one())

    def set_state(self, position: int, state: bytes, topic: str | None = None) -> None:
        topic_sql = ", topic = :t" if topic else ""
        self.run(
            f"UPDATE {{events}} SET state = :s{topic_sql} WHERE {{pos}} = :p",
            s=state,
            t=topic,
            p=position,
        )

    def move(self, old: int, new: int) -> None:
        self.run("UPDATE {events} SET {pos} = :new WHERE {pos} = :old", new=new, old=old)

    def insert_event(self, position: int, topic: str, state: bytes) -> None:
        ident: Any = uuid4() if self.pg else uuid4().hex
        columns = "originator_id, originator_version, topic, state, " + self.pos
        self.run(
            f"INSERT INTO {{events}} ({columns}) VALUES (:o, 1, :t, :s, :p)",
            o=ident,
            t=topic,
            s=state,
            p=position,
        )


def flip_bit(state: bytes) -> bytes:
    return bytes([state[0] ^ 0x01]) + bytes(state[1:])


def swap_state(db: Db, head: int) -> None:
    a, b = db.row(P)["state"], db.row(Q)["state"]
    db.set_state(P, b)
    db.set_state(Q, a)


def swap_positions(db: Db, head: int) -> None:
    db.move(P, -1)
    db.move(Q, P)
    db.move(-1, Q)


def replay(db: Db, head: int) -> None:
    source = db.row(Q)
    db.set_state(P, source["state"], source["topic"])


def forge_with_link(db: Db, head: int) -> None:
    db.insert_event(head + 1, db.row(P)["topic"], db.row(P)["state"])
    db.run(f"INSERT INTO {CHAIN_TABLE} (position, hash) VALUES (:p, :h)", p=head + 1, h=bytes(32))


def forge_without_link(db: Db, head: int) -> None:
    db.insert_event(head + 1, db.row(P)["topic"], db.row(P)["state"])


TAMPERING: dict[str, tuple[Callable[[Db, int], None], Callable[[int], int], str]] = {
    "bit flip in stored bytes": (
        lambda db, head: db.set_state(P, flip_bit(db.row(P)["state"])),
        lambda head: P,
        "hash mismatch",
    ),
    "bit flip in a chain hash": (
        lambda db, head: db.run(
            f"UPDATE {CHAIN_TABLE} SET hash = :h WHERE position = :p", h=bytes(32), p=P
        ),
        lambda head: P,
        "hash mismatch",
    ),
    "deleted event row": (
        lambda db, head: db.run("DELETE FROM {events} WHERE {pos} = :p", p=P),
        lambda head: P,
        "chain row has no event",
    ),
    "deleted event and chain row": (
        lambda db, head: (
            db.run("DELETE FROM {events} WHERE {pos} = :p", p=P),
            db.run(f"DELETE FROM {CHAIN_TABLE} WHERE position = :p", p=P),
        ),
        lambda head: P + 1,
        "hash mismatch",
    ),
    "swapped state between rows": (swap_state, lambda head: P, "hash mismatch"),
    "swapped positions": (swap_positions, lambda head: P, "hash mismatch"),
    "renumbered position": (
        lambda db, head: db.move(P, head + 100),
        lambda head: P,
        "chain row has no event",
    ),
    "forged row with a made-up link": (forge_with_link, lambda head: head + 1, "hash mismatch"),
    "forged row without a link": (forge_without_link, lambda head: head + 1, "no chain row"),
    "one record replayed into another": (replay, lambda head: P, "hash mismatch"),
}


class Counter(Aggregate):
    def __init__(self) -> None:
        self.n = 0

    @event("Bumped")
    def bump(self) -> None:
        self.n += 1


@pytest.fixture
def filled(ll: Learnloop, actors: Any) -> tuple[Learnloop, int]:
    ll.log.recorder.on_committed = lambda committed: None  # the read models play no part here
    return ll, fill(ll, actors.contributor, 10)


def test_a_clean_log_of_a_few_hundred_events_verifies(ll, actors, open_learnloop) -> None:
    head = fill(ll, actors.contributor, 60)
    assert head >= 240
    verdict = verify(ll.log.recorder, page=37)
    assert verdict.intact, verdict.fault
    assert (verdict.chained, verdict.checked, verdict.head.position) == (True, head, head)
    assert head_digest(ll.log.recorder) == verdict.head
    assert verify(ll.log.recorder, verdict.head).intact

    restarted = open_learnloop()
    fill(restarted, actors.contributor, 1)
    again = verify(restarted.log.recorder, verdict.head, page=50)
    assert again.intact, again.fault
    assert again.head.position == head + 4


def test_an_empty_log_verifies_to_genesis(ll) -> None:
    verdict = verify(ll.log.recorder)
    assert verdict.intact
    assert verdict.head == Digest(0, GENESIS) == head_digest(ll.log.recorder)


def test_concurrent_writers_and_refused_writes_leave_the_chain_intact(ll, actors) -> None:
    ll.log.recorder.on_committed = lambda committed: None

    def write() -> None:
        fill(ll, actors.contributor, 5)

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    counter = Counter()
    ll.log.save(counter)
    first, second = ll.log.repository.get(counter.id), ll.log.repository.get(counter.id)
    first.bump()
    second.bump()
    ll.log.save(first)
    with pytest.raises(IntegrityError):
        ll.log.save(second)  # on PostgreSQL this leaves a gap in the positions
    ll.log.save(Counter())  # a later write still links to the head
    verdict = verify(ll.log.recorder)
    assert verdict.intact, verdict.fault
    assert verdict.checked == 4 * 5 * 4 + 3  # a counter created, bumped once; another created


@pytest.mark.parametrize("kind", list(TAMPERING))
def test_each_tampering_is_found_at_its_position(filled, kind: str) -> None:
    ll, head = filled
    assert verify(ll.log.recorder).intact
    tamper, where, reason = TAMPERING[kind]
    tamper(Db(ll), head)
    verdict = verify(ll.log.recorder, page=7)
    assert verdict.fault is not None, kind
    assert verdict.fault.position == where(head), verdict.fault
    assert reason in verdict.fault.reason


def test_a_truncated_tail_is_found_only_with_a_saved_digest(filled) -> None:
    ll, head = filled
    saved = head_digest(ll.log.recorder)
    db = Db(ll)
    db.run("DELETE FROM {events} WHERE {pos} > :p", p=head - 5)
    db.run(f"DELETE FROM {CHAIN_TABLE} WHERE position > :p", p=head - 5)

    alone = verify(ll.log.recorder)
    assert alone.intact and alone.head.position == head - 5  # a chain cannot see its lost tail
    verdict = verify(ll.log.recorder, saved)
    assert verdict.fault is not None
    assert verdict.fault.position == head - 4
    assert "truncated" in verdict.fault.reason


def test_a_rolled_back_and_rewritten_tail_differs_from_the_saved_digest(filled, actors) -> None:
    ll, head = filled
    saved = head_digest(ll.log.recorder)
    db = Db(ll)
    db.run("DELETE FROM {events} WHERE {pos} > :p", p=head - 5)
    db.run(f"DELETE FROM {CHAIN_TABLE} WHERE position > :p", p=head - 5)
    fill(ll, actors.contributor, 3)  # new history over the old positions

    assert verify(ll.log.recorder).intact
    verdict = verify(ll.log.recorder, saved)
    assert verdict.fault is not None
    assert verdict.fault.position == saved.position
    assert "digest" in verdict.fault.reason


def test_an_existing_log_without_a_chain_is_chained_when_first_opened(filled, open_learnloop):
    ll, head = filled
    Db(ll).run(f"DELETE FROM {CHAIN_TABLE}")
    assert not verify(ll.log.recorder).intact
    reopened = open_learnloop()
    verdict = verify(reopened.log.recorder)
    assert verdict.intact and verdict.head.position == head


def test_the_verify_command_exits_by_the_verdict(filled, database_url: str, tmp_path) -> None:
    ll, _ = filled
    digest = head_digest(ll.log.recorder)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(LEARNLOOP), "verify", "--database-url", database_url, *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )

    clean = run("--digest", str(digest))
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout.strip().splitlines()[-1] == str(digest)

    Db(ll).set_state(P, flip_bit(Db(ll).row(P)["state"]))
    tampered = run()
    assert tampered.returncode == 1
    assert f"position {P}:" in tampered.stderr

    malformed = run("--digest", "12:nothex")
    assert malformed.returncode == 2


def test_a_digest_parses_what_it_prints() -> None:
    digest = Digest(42, bytes(range(32)))
    assert Digest.parse(str(digest)) == digest
    for bad in ("42", "x:" + "00" * 32, "-1:" + "00" * 32, "3:abcd"):
        with pytest.raises(ValueError, match="POSITION:HEXHASH"):
            Digest.parse(bad)
