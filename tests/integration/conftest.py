"""Integration fixtures: every case runs once per store (SQLite file, fresh PostgreSQL database).

`database_url` is parametrized over the stores; `open_learnloop()` bootstraps on it (call it again
for a restart) and closes what it opened at teardown; `clock` is the time every instance reads.
Helpers the test modules share are handed out as fixtures (`view_rows`, `event_count`,
`make_actors`), so that no test imports this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from adapters.bootstrap import Learnloop, bootstrap
from adapters.settings import Settings
from domain.actor import Actor
from projections import schema

SCR = "serious-case-review"
TRAINING = "training"
VIEW_TABLES = tuple(schema.metadata.sorted_tables)


@dataclass(frozen=True)
class Actors:
    contributor: Actor
    chair: Actor
    business_manager: Actor
    inspector: Actor
    training_contributor: Actor


@pytest.fixture
def open_learnloop(database_url: str, clock: Any) -> Iterator[Callable[..., Learnloop]]:
    """`open_learnloop(**settings)` bootstraps on the test's store; call again to restart."""
    opened: list[Learnloop] = []

    def _open(url: str | None = None, **settings: Any) -> Learnloop:
        ll = bootstrap(Settings(database_url=url or database_url, **settings), clock=clock)
        opened.append(ll)
        return ll

    yield _open
    for ll in reversed(opened):
        ll.close()


@pytest.fixture
def ll(open_learnloop: Callable[..., Learnloop]) -> Learnloop:
    return open_learnloop()


def make_actors(ll: Learnloop) -> Actors:
    known = {s.slug for s in ll.framework.subgroups}
    return Actors(
        contributor=ll.users.add("Cara Contributor", "contributor", [SCR], known).actor,
        chair=ll.users.add("Chidi Chair", "chair", [SCR], known).actor,
        business_manager=ll.users.add("Bea Manager", "business_manager", [], known).actor,
        inspector=ll.users.add("Ines Inspector", "inspector", [], known).actor,
        training_contributor=ll.users.add("Tom Trainer", "contributor", [TRAINING], known).actor,
    )


@pytest.fixture
def actors(ll: Learnloop) -> Actors:
    return make_actors(ll)


@pytest.fixture(name="make_actors")
def make_actors_fixture() -> Callable[[Learnloop], Actors]:
    return make_actors


@pytest.fixture(name="view_rows")
def view_rows_fixture() -> Callable[[sa.Engine], dict[str, list[dict[str, Any]]]]:
    return view_rows


@pytest.fixture(name="event_count")
def event_count_fixture() -> Callable[[Learnloop], int]:
    return event_count


def view_rows(engine: sa.Engine) -> dict[str, list[dict[str, Any]]]:
    """Every read-model table's full contents, ordered by primary key."""
    with engine.connect() as conn:
        return {
            table.name: [
                dict(row)
                for row in conn.execute(
                    sa.select(table).order_by(*table.primary_key.columns)
                ).mappings()
            ]
            for table in VIEW_TABLES
        }


def event_count(ll: Learnloop) -> int:
    return ll.log.recorder.max_notification_id() or 0
