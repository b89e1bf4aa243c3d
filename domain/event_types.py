"""The names of the events the partnership's log records, as the audit trail shows them."""

from __future__ import annotations

from functools import cache

from eventsourcing.domain import Aggregate

from domain.audit import Audit, AuditProgramme
from domain.case_review import CaseReview
from domain.imported_file import ImportedFile
from domain.indicator import Indicator
from domain.learning_item import LearningItem
from domain.reference import Claim
from domain.reminder import Reminder

AGGREGATES: tuple[type[Aggregate], ...] = (
    LearningItem,
    CaseReview,
    Audit,
    AuditProgramme,
    Indicator,
    Reminder,
    Claim,
    ImportedFile,
)


# The base of each aggregate's events, and the creation event the library defines for an
# aggregate whose own creation event has another name: never recorded.
_NOT_RECORDED = frozenset({"Event", "Created"})


@cache
def event_types() -> tuple[str, ...]:
    """Every event type an aggregate records (`MeansChosen`, `Notified`, ...), sorted."""
    names = {
        name
        for aggregate in AGGREGATES
        for name, value in vars(aggregate).items()
        if isinstance(value, type)
        and issubclass(value, Aggregate.Event)
        and name not in _NOT_RECORDED
    }
    return tuple(sorted(names))


def event_type_named(name: str) -> str | None:
    """The event type `name` names, whatever its case; None when none does."""
    wanted = name.strip().casefold()
    return next((t for t in event_types() if t.casefold() == wanted), None)
