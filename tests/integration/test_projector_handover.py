"""The recorder hands each committed batch to the projector with its positions (ADR 0021): the
projector applies those events as they are and never reads them back from the log; it reads
only what another process recorded before them. Each command's events reach the read models
once, through one hook, before the command returns."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from adapters.bootstrap import Learnloop
from adapters.persistence.group_commit import Committed
from domain.commands.learning_item import ChooseMeans, IdentifyNeed
from projections.read import AuditFilter

SCR = "serious-case-review"


class ReadSpy:
    """Stands in for the projector's recorder: remembers every position it reads."""

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        self.read: list[int] = []

    def select_notifications(self, *args: Any, **kwargs: Any) -> Any:
        found = self.recorder.select_notifications(*args, **kwargs)
        self.read += [n.id for n in found]
        return found

    def max_notification_id(self) -> int | None:
        return self.recorder.max_notification_id()


def spied(ll: Learnloop) -> tuple[ReadSpy, list[list[Committed]]]:
    spy = ReadSpy(ll.projector.recorder)
    ll.projector.recorder = spy  # type: ignore[assignment]
    handed: list[list[Committed]] = []
    project = ll.projector.project

    def hook(committed: Sequence[Committed]) -> None:
        handed.append(list(committed))
        project(committed)

    ll.log.recorder.on_committed = hook
    return spy, handed


def identify(ll: Learnloop, actor: Any, title: str) -> Any:
    need = IdentifyNeed(
        subgroup=SCR, title=title, description="d", source_kind="local_serious_case_review"
    )
    return ll.learning.identify(actor, need)


def test_the_projector_never_reads_back_the_events_it_was_handed(ll, actors) -> None:
    spy, handed = spied(ll)
    contributor = actors.contributor
    items: list[Any] = []
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            item = identify(ll, contributor, f"Item {n}")
            means = ChooseMeans(
                means="implementation_of_recommendations",
                description="a",
                owner="o",
                due=ll.learning.today(),
            )
            ll.learning.choose_means(item, contributor, means)
            items.append(item)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []

    positions = [c.position for batch in handed for c in batch]
    # Every recorded event, gaps and all: on PostgreSQL a writer that lost a race for the next
    # reference rolls back, and its sequence numbers are not reused.
    recorded = [n.id for n in ll.log.recorder.select_notifications(start=1, limit=10_000)]
    assert sorted(positions) == recorded
    assert all(c.event is not None for batch in handed for c in batch)
    assert spy.read == []
    # Each command's write is readable when it returns, and the views hold every event once.
    today = ll.learning.today()
    assert {doc["id"] for doc in ll.read_models.items(today)} == {str(i) for i in items}
    assert min(ll.projector.positions().values()) == max(positions)
    trail, _ = ll.read_models.audit_trail(0, 1000, AuditFilter())
    assert [e["position"] for e in trail] == sorted(positions)


def test_what_another_process_recorded_first_is_read_and_nothing_more(
    ll, actors, open_learnloop
) -> None:
    identify(ll, actors.contributor, "Before")
    other = open_learnloop()
    other.log.recorder.on_committed = lambda committed: None  # it does not project
    for n in range(3):
        identify(other, actors.contributor, f"Elsewhere {n}")
    theirs = set(range(2, other.log.recorder.max_notification_id() + 1))

    spy, handed = spied(ll)
    mine = identify(ll, actors.contributor, "After")

    [[committed]] = handed
    assert set(spy.read) == theirs
    assert committed.position not in spy.read
    titles = {doc["title"] for doc in ll.read_models.items(ll.learning.today())}
    assert titles == {"Before", "Elsewhere 0", "Elsewhere 1", "Elsewhere 2", "After"}
    assert ll.read_models.item(str(mine), ll.learning.today()) is not None
