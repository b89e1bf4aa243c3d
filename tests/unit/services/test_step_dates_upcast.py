"""Events stored before steps carried their own day load as happening on the day they were
recorded, in Europe/London (ADR 0040): the upcasters of each dated event."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from domain.actor import Actor
from domain.audit import Audit
from domain.case_review import CaseReview
from domain.learning_item import LearningItem
from services.event_log import EventLog

AT = datetime(2026, 6, 3, 23, 30, tzinfo=UTC)  # 4 June in London
ACTOR = Actor("u-1", "Someone", "business_manager").as_record()


def as_version_1(log: EventLog, stored: StoredEvent, dropped: str = "on") -> StoredEvent:
    state = log.mapper.transcoder.decode(stored.state)
    del state[dropped]
    state.pop("class_version", None)
    return replace(stored, state=log.mapper.transcoder.encode(state))


def stored(log: EventLog, event_class: type, **fields) -> StoredEvent:
    event = event_class(
        originator_id=uuid4(),
        originator_version=2,
        timestamp=AT,
        actor=ACTOR,
        **fields,
    )
    return log.mapper.to_stored_event(event)


@pytest.mark.parametrize(
    ("event_class", "fields"),
    [
        (
            LearningItem.MeansChosen,
            {
                "action_id": "a",
                "means": "m",
                "description": "d",
                "owner": "o",
                "owner_email": None,
                "due": date(2026, 7, 1),
            },
        ),
        (LearningItem.ProgressReported, {"action_id": "a", "status": "complete", "note": ""}),
        (
            LearningItem.EvidenceRecorded,
            {"measure_id": "m", "outcome": "met", "summary": "s", "reference": None},
        ),
        (
            LearningItem.ActionAmended,
            {
                "action_id": "a",
                "owner": "o",
                "owner_email": None,
                "due": None,
                "previous": {},
                "reason": "r",
            },
        ),
        (LearningItem.Closed, {"summary": "s", "override_reason": None}),
        (LearningItem.Reopened, {"reason": "r"}),
        (CaseReview.InvolvementRecorded, {"party": "family", "status": "invited", "note": ""}),
        (Audit.FindingRecorded, {"finding_id": "f", "summary": "s", "learning_item_id": None}),
    ],
    ids=lambda value: value.__qualname__ if isinstance(value, type) else "",
)
def test_an_old_event_happened_on_the_local_day_it_was_recorded(event_class, fields):
    log = EventLog()
    old = as_version_1(log, stored(log, event_class, on=date(2026, 1, 1), **fields))
    event = log.mapper.to_domain_event(old)
    assert event.on == date(2026, 6, 4)
    assert event.timestamp == AT


def test_a_version_1_measure_loads_with_no_indicator_and_the_day_recorded():
    log = EventLog()
    new = stored(
        log,
        LearningItem.MeasureDefined,
        measure_id="m",
        kind="k",
        description="d",
        review_due=date(2026, 9, 1),
        indicator={"code": "X", "target": 1.0},
        on=date(2026, 1, 1),
    )
    state = log.mapper.transcoder.decode(new.state)
    del state["on"], state["indicator"], state["class_version"]
    old = replace(new, state=log.mapper.transcoder.encode(state))
    event = log.mapper.to_domain_event(old)
    assert (event.indicator, event.on) == (None, date(2026, 6, 4))


def test_a_new_event_keeps_the_day_it_names():
    log = EventLog()
    fields = {"reason": "r", "on": date(2026, 5, 1)}
    event = log.mapper.to_domain_event(stored(log, LearningItem.Reopened, **fields))
    assert event.on == date(2026, 5, 1)
