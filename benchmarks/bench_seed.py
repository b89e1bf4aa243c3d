"""Seeding a store straight through the aggregates (untimed) and timing how the log is read back.

Each seeded item has 10 events: identified, 4 means chosen, 4 progress reports, 1 measure.
Many items go into one `Application.save` call, so seeding is a handful of big transactions.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from adapters.bootstrap import Learnloop
from domain.actor import Actor
from domain.commands.learning_item import ChooseMeans, DefineMeasure, IdentifyNeed, ReportProgress
from domain.learning_item import LearningItem

SUBGROUP = "serious-case-review"
SOURCE = "local_serious_case_review"
MEANS = "implementation_of_recommendations"
MEASURE = "evaluation_workshop"
EVENTS_PER_ITEM = 10
ITEMS_PER_SAVE = 250
PAGE = 1000


@dataclass(frozen=True)
class Rate:
    events: int
    seconds: float

    @property
    def per_s(self) -> float:
        return self.events / self.seconds


@contextmanager
def unprojected(ll: Learnloop) -> Iterator[None]:
    """Saves that do not wait for the read models: the recorder's post-commit hook hands every
    batch to the projector; seeding projects once, afterwards."""
    hook = ll.log.recorder.on_committed
    ll.log.recorder.on_committed = lambda committed: None
    try:
        yield
    finally:
        ll.log.recorder.on_committed = hook


def seed(ll: Learnloop, events: int) -> list[str]:
    """Records `events` (rounded down to a multiple of 10) without projecting; returns item ids."""
    with unprojected(ll):
        return _seed(ll, events)


def _seed(ll: Learnloop, events: int) -> list[str]:
    framework = ll.framework
    rules = framework.subgroup(SUBGROUP)
    actor = Actor(str(uuid4()), "Bench Seeder", "contributor", (SUBGROUP,))
    now = datetime.now(UTC)
    due = now.date() + timedelta(days=90)
    ids: list[str] = []
    batch: list[LearningItem] = []
    for n in range(events // EVENTS_PER_ITEM):
        item = LearningItem.identify(
            framework,
            IdentifyNeed(
                subgroup=SUBGROUP,
                title=f"Seeded learning {n}",
                description="Agencies did not share what they knew about the family in time.",
                source_kind=SOURCE,
                source_reference=f"SCR-{n}",
                themes=["information sharing", "neglect"],
            ),
            actor=actor,
            now=now,
        )
        actions = [
            item.choose_means(
                rules,
                ChooseMeans(
                    means=MEANS,
                    description=f"Recommendation {k} put into practice across agencies",
                    owner="Children's social care",
                    due=due,
                ),
                actor=actor,
                now=now,
            )
            for k in range(4)
        ]
        for action_id in actions:
            item.report_progress(
                ReportProgress(action_id=action_id, status="on_track", note="Started"),
                actor=actor,
                now=now,
            )
        item.define_measure(
            rules,
            DefineMeasure(
                kind=MEASURE,
                description="Workshop with practitioners six months on",
                review_due=due,
            ),
            actor=actor,
            now=now,
        )
        batch.append(item)
        ids.append(str(item.id))
        if len(batch) == ITEMS_PER_SAVE:
            ll.log.save(*batch)
            batch.clear()
    if batch:
        ll.log.save(*batch)
    return ids


def recorded(ll: Learnloop) -> int:
    return ll.log.recorder.max_notification_id() or 0


def time_rebuild(ll: Learnloop) -> Rate:
    """`Projector.rebuild()`: drops every view and replays the whole log into it."""
    events = recorded(ll)
    gc.collect()
    started = time.perf_counter()
    position = ll.projector.rebuild()
    seconds = time.perf_counter() - started
    if position != events:
        raise RuntimeError(f"rebuild reached {position}, expected {events}")
    return Rate(events, seconds)


def time_decode(ll: Learnloop) -> Rate:
    """The library alone: page through the log and decode every notification, nothing else."""
    recorder, mapper = ll.log.recorder, ll.log.mapper
    gc.collect()
    decoded = 0
    position = 0
    started = time.perf_counter()
    while True:
        page = recorder.select_notifications(position, PAGE, inclusive_of_start=False)
        for notification in page:
            mapper.to_domain_event(notification)
        decoded += len(page)
        if len(page) < PAGE:
            break
        position = page[-1].id
    seconds = time.perf_counter() - started
    if decoded != recorded(ll):
        raise RuntimeError(f"decoded {decoded} notifications, expected {recorded(ll)}")
    return Rate(decoded, seconds)
