"""Turning recorded domain events into plain, JSON-ready facts for the read models."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import cache
from typing import Any
from uuid import UUID

from domain.actor import system_actor

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


def event_type(event: Any) -> str:
    """`LearningItem.MeansChosen` -> `MeansChosen`."""
    return _event_type(type(event))


def stream_type(event: Any) -> str:
    """`LearningItem.MeansChosen` -> `learning_item`."""
    return _stream_type(type(event))


@cache
def _event_type(cls: type) -> str:
    return cls.__qualname__.rsplit(".", 1)[-1]


@cache
def _stream_type(cls: type) -> str:
    aggregate = cls.__qualname__.split(".", 1)[0]
    return re.sub(r"(?<!^)(?=[A-Z])", "_", aggregate).lower()


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
