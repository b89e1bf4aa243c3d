"""The loop's derived facts: an item's stage and RAG ratings are computed, never set.

Pure functions over plain values, shared by the aggregate and the read models so that both
derive the same stage and RAG from the same facts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Final, Literal
from zoneinfo import ZoneInfo

IDENTIFICATION = "identification"
IMPROVEMENT = "improvement"
EFFECTIVENESS = "effectiveness"
CLOSED = "closed"
STAGES = (IDENTIFICATION, IMPROVEMENT, EFFECTIVENESS, CLOSED)
WITHDRAWN = "withdrawn"  # not a stage of the loop: a withdrawn item has left it

ProgressStatus = Literal["on_track", "at_risk", "off_track", "complete"]
NOT_STARTED = "not_started"
ON_TRACK: Final = "on_track"
AT_RISK: Final = "at_risk"
OFF_TRACK: Final = "off_track"
COMPLETE: Final = "complete"
PROGRESS_STATUSES: tuple[ProgressStatus, ...] = (ON_TRACK, AT_RISK, OFF_TRACK, COMPLETE)

Outcome = Literal["met", "partly_met", "not_met"]
MET: Final = "met"
PARTLY_MET: Final = "partly_met"
NOT_MET: Final = "not_met"
OUTCOMES: tuple[Outcome, ...] = (MET, PARTLY_MET, NOT_MET)

GREEN = "green"
AMBER = "amber"
RED = "red"
_SEVERITY = {GREEN: 0, AMBER: 1, RED: 2}


def stage(closed: bool, action_statuses: Iterable[str]) -> str:
    if closed:
        return CLOSED
    statuses = list(action_statuses)
    if not statuses:
        return IDENTIFICATION
    if any(status != COMPLETE for status in statuses):
        return IMPROVEMENT
    return EFFECTIVENESS


def action_rag(status: str, due: date, today: date) -> str:
    """green on track, amber at risk, red off track or past due and not complete."""
    if status == COMPLETE:
        return COMPLETE
    if status == OFF_TRACK or due < today:
        return RED
    if status == AT_RISK:
        return AMBER
    return GREEN


def measure_rag(outcome: str | None, review_due: date, today: date) -> str:
    """red once its review date has passed, amber while its latest evidence falls short of met,
    otherwise green."""
    if review_due < today:
        return RED
    if outcome in (PARTLY_MET, NOT_MET):
        return AMBER
    return GREEN


def item_rag(action_rags: Iterable[str]) -> str | None:
    """The worst open action's RAG; None when no action is open."""
    open_rags = [rag for rag in action_rags if rag != COMPLETE]
    if not open_rags:
        return None
    return max(open_rags, key=_SEVERITY.__getitem__)


DEFAULT_TIMEZONE = "Europe/London"  # the partnership's, unless its framework file names another


def local_date(moment: datetime, timezone: str) -> date:
    """The partnership's calendar date at that moment (due dates are local dates)."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def part_rag(status: str, due: date, today: date, *, withdrawn: bool, item_closed: bool) -> str:
    """An action's RAG as its item shows it: `withdrawn` once withdrawn; `closed` under a closed
    item unless complete (an action left open by an override closure is no longer green)."""
    if withdrawn:
        return WITHDRAWN
    if item_closed and status != COMPLETE:
        return CLOSED
    return action_rag(status, due, today)
