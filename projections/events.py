"""Turning recorded domain events into plain, JSON-ready facts for the read models, and naming
the stream each event belongs to (by its aggregate's event class, never by parsing its name)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from typing import Any
from uuid import UUID

from domain.actor import system_actor
from domain.audit import Audit, AuditProgramme
from domain.case_review import CaseReview
from domain.imported_file import ImportedFile
from domain.indicator import Indicator
from domain.learning_item import LearningItem
from domain.reference import Claim
from domain.reminder import Reminder

_BASE_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor"}
_PLAIN = frozenset({str, int, float, bool, type(None)})


def jsonable(value: Any) -> Any:
    if type(value) in _PLAIN:  # most values: a fast exit, as a projection rebuild folds them all
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


# The stream types the audit trail and the API name, by each aggregate's base event class.
STREAM_TYPES: dict[type, str] = {
    LearningItem.Event: "learning_item",
    CaseReview.Event: "case_review",
    Audit.Event: "audit",
    AuditProgramme.Event: "audit_programme",
    Indicator.Event: "indicator",
    Reminder.Event: "reminder",
    Claim.Event: "claim",
    ImportedFile.Event: "imported_file",
}


class UnknownStream(LookupError):
    """An event of an aggregate no view knows: the projector stops rather than guess."""


def event_type(event: Any) -> str:
    """`LearningItem.MeansChosen` -> `MeansChosen`: the name the audit trail shows."""
    return _event_type(type(event))


def stream_type(event: Any) -> str:
    """`LearningItem.MeansChosen` -> `learning_item`."""
    return _stream_type(type(event))


@cache
def _event_type(cls: type) -> str:
    return cls.__qualname__.rsplit(".", 1)[-1]


@cache
def _stream_type(cls: type) -> str:
    for base in cls.__mro__:
        if base in STREAM_TYPES:
            return STREAM_TYPES[base]
    raise UnknownStream(f"no stream type for {cls.__module__}.{cls.__qualname__}")


def event_data(event: Any) -> dict[str, Any]:
    """What the event says, beyond who recorded it, when, and where in its stream."""
    return {
        k: v if type(v) in _PLAIN else jsonable(v)
        for k, v in vars(event).items()
        if k not in _BASE_FIELDS
    }


def actor_of(event: Any) -> dict[str, str]:
    return dict(getattr(event, "actor", None) or system_actor().as_record())


def naive_utc(moment: datetime) -> datetime:
    """How the views store a moment: UTC without a zone (SQLite keeps none); naive means UTC."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)
