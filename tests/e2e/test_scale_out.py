"""Scale-out on PostgreSQL (ADR 0018): three server processes on one database, one projector.

A write acknowledged by one process is read at once from the other two (read-your-writes across
processes); every event is in the read models exactly once; one process leads the projection
and another takes over when it is killed. `serve --workers 3` starts and serves; SQLite
refuses more than one worker.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

LEARNLOOP = Path(sys.executable).parent / "learnloop"
ITEMS = "/api/v1/learning-items"
NEW_ITEM = {
    "subgroup": "serious-case-review",
    "title": "Escalation not used",
    "description": "Professionals did not escalate when the plan drifted.",
    "source": {"kind": "local_serious_case_review", "reference": "SCR-2026-01"},
}


def exactly_once(database_url: str, items: int) -> None:
    """Every event is in the audit trail once, every item in the items view once, and every
    view's tracking position is the log's last."""
    engine = sa.create_engine(database_url)
    query = sa.text
    try:
        with engine.connect() as conn:
            events, last = conn.execute(
                query("SELECT count(*), max(notification_id) FROM learnloop_events")
            ).one()
            trail = conn.execute(query("SELECT position FROM view_audit_trail")).scalars().all()
            docs = conn.execute(query("SELECT count(*) FROM view_items")).scalar()
            tracked = set(conn.execute(query("SELECT position FROM view_tracking")).scalars())
    finally:
        engine.dispose()
    assert events == items  # each item here is one event
    assert sorted(trail) == sorted(set(trail)) and len(trail) == events
    assert docs == items
    assert tracked == {last}


@pytest.mark.postgres
def test_three_processes_read_each_others_writes_and_project_each_event_once(
    postgres_database: str, serve: Any, contributor_token: Any
) -> None:
    bearer = {"Authorization": f"Bearer {contributor_token(postgres_database)}"}
    processes = [serve(postgres_database, LEARNLOOP_SHARED_PROJECTION="true") for _ in range(3)]
    assert sum(p.leads for p in processes) == 1

    def write_and_read_elsewhere(rounds: int, alive: list[Any]) -> None:
        for n in range(rounds):
            writer = alive[n % len(alive)]
            created = httpx.post(f"{writer.url}{ITEMS}", json=NEW_ITEM, headers=bearer, timeout=30)
            assert created.status_code == 201, created.text
            item = created.json()
            for reader in alive:
                got = httpx.get(f"{reader.url}{ITEMS}/{item['id']}", headers=bearer, timeout=30)
                assert got.status_code == 200, (reader.url, got.text)
                assert got.json()["version"] == item["version"]

    write_and_read_elsewhere(12, processes)
    exactly_once(postgres_database, 12)

    leader = next(p for p in processes if p.leads)
    leader.kill()
    survivors = [p for p in processes if p is not leader]
    write_and_read_elsewhere(6, survivors)  # waits, at worst, for the next tick to take over
    assert sum(p.leads for p in survivors) == 1
    exactly_once(postgres_database, 18)


@pytest.mark.postgres
def test_serve_with_three_workers_serves_reads_after_writes(
    postgres_database: str, serve: Any, contributor_token: Any
) -> None:
    bearer = {"Authorization": f"Bearer {contributor_token(postgres_database)}"}
    server = serve(postgres_database, "--workers", "3")
    with httpx.Client(base_url=server.url, headers=bearer, timeout=30) as http:
        for _ in range(12):  # fresh connections land on different workers
            created = http.post(ITEMS, json=NEW_ITEM, headers={"Connection": "close"})
            assert created.status_code == 201, created.text
            got = http.get(f"{ITEMS}/{created.json()['id']}", headers={"Connection": "close"})
            assert got.status_code == 200
    assert server.log.read_text().count("projection_leader") == 1
    exactly_once(postgres_database, 12)


def test_more_than_one_worker_on_sqlite_is_refused(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            *(str(LEARNLOOP), "serve", "--workers", "2", "--port", "0"),
            *("--database-url", f"sqlite:///{tmp_path}/learnloop.db"),
        ],
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if not k.startswith("LEARNLOOP_")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "PostgreSQL" in done.stderr
    assert "Traceback" not in done.stderr
