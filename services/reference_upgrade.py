"""Giving records created before references their references (ADR 0045).

Run once a store is opened: it walks the creation events in log order and gives each record that
has no reference the next free number of its series (so the order of the log decides the
numbers), saving the record's `ReferenceAssigned` and a claim of the id a new record with that
reference would have (so numbering and URLs find it) together. A review also claims
its case reference, unless another review already holds it. The walk reads only creation
events, decoding each (a record created with its reference is skipped without loading it), so a
store whose records all have references costs one read of those events; two processes walking
at once conflict on a claim and the loser moves on to the next number. `completed` is called
once a walk has given every record its reference, so the composition root can record that the
store needs no further walk (records created since always have their reference).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from domain import reference
from domain.actor import Actor
from domain.audit import Audit
from domain.case_review import CaseReview
from domain.learning_item import LearningItem
from domain.reference import CASE_REFERENCE_CLAIM, REFERENCE_CLAIM, Claim, Reference, claim_id
from domain.reporting_year import reporting_year
from services.event_log import EventLog
from services.references import References

Record = LearningItem | CaseReview | Audit
_PAGE = 500
_KINDS: dict[str, type[Record]] = {
    get_topic(event): aggregate
    for event, aggregate in (
        (LearningItem.Identified, LearningItem),
        (CaseReview.Notified, CaseReview),
        (Audit.Planned, Audit),
    )
}


def _series(record: Record) -> tuple[str, int]:
    """The prefix and year of the record's reference, from the day it is dated."""
    if isinstance(record, LearningItem):
        return reference.ITEM, record.identified_on.year
    if isinstance(record, CaseReview):
        return reference.REVIEW, record.notified_on.year
    return reference.AUDIT, reporting_year(record.planned_for)


def assign_missing_references(
    log: EventLog,
    actor: Actor,
    clock: Callable[[], datetime],
    completed: Callable[[], None] | None = None,
) -> int:
    """Gives every record without a reference its reference; answers how many it gave.

    Calls `completed` after the walk when no record was left without its reference."""
    references = References(log)
    given, start, missed = 0, 1, False
    while True:
        page = log.recorder.select_notifications(start, _PAGE, topics=tuple(_KINDS))
        for notification in page:
            created = log.mapper.to_domain_event(notification)
            if getattr(created, "reference", None) is not None:
                continue  # created with its reference: most records, read without loading
            record_id = UUID(str(notification.originator_id))
            outcome = _assign(log, references, record_id, _KINDS[notification.topic], actor, clock)
            if outcome is None:
                missed = True
            else:
                given += outcome
        if len(page) < _PAGE:
            break
        start = page[-1].id + 1
    if completed is not None and not missed:
        completed()
    return given


def _assign(
    log: EventLog,
    references: References,
    record_id: UUID,
    kind: type[Record],
    actor: Actor,
    clock: Callable[[], datetime],
) -> int | None:
    """1 when it gave the record its reference, 0 when it had one, None when every try lost."""
    for _ in range(5):
        record = log.load(record_id, kind, "record")
        if record.reference is not None:
            return 0
        prefix, year = _series(record)
        ref = str(Reference(prefix, year, references.next_number(prefix, year)))
        now = clock()
        record.assign_reference(ref, actor=actor, now=now)
        claims = [
            Claim.claim(REFERENCE_CLAIM, ref, record.id, holder_reference=ref, actor=actor, now=now)
        ]
        if isinstance(record, CaseReview):
            key = claim_id(CASE_REFERENCE_CLAIM, record.case_reference)
            if references.holder(CASE_REFERENCE_CLAIM, record.case_reference) is None and not (
                list(log.events.get(key, limit=1))
            ):
                claims.append(
                    Claim.claim(
                        CASE_REFERENCE_CLAIM,
                        record.case_reference,
                        record.id,
                        holder_reference=ref,
                        actor=actor,
                        now=now,
                    )
                )
        try:
            log.record(record, *claims)
        except IntegrityError:
            continue
        return 1
    return None
