"""The commands of a learning item: identify a need, choose a means, report progress, define a
measure, record evidence, amend an action, correct the record, close and reopen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.commands.base import Command
from domain.loop import Outcome, ProgressStatus


@dataclass(frozen=True, kw_only=True)
class IdentifyNeed(Command):
    subgroup: str
    title: str
    description: str
    source_kind: str
    source_reference: str | None = None
    themes: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ChooseMeans(Command):
    means: str
    description: str
    owner: str
    due: date
    owner_email: str | None = None


@dataclass(frozen=True, kw_only=True)
class ReportProgress(Command):
    action_id: str
    status: ProgressStatus
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class AmendAction(Command):
    """A new owner (with the owner's email) or a new due date, or both."""

    action_id: str
    reason: str
    owner: str | None = None
    owner_email: str | None = None
    due: date | None = None


@dataclass(frozen=True)
class IndicatorTarget:
    """A measure's link to a dataset indicator: its values reaching `target` (only `agency`'s,
    when one is named) record the measure's evidence."""

    code: str
    target: float
    agency: str | None = None


@dataclass(frozen=True, kw_only=True)
class DefineMeasure(Command):
    kind: str
    description: str
    review_due: date
    indicator: IndicatorTarget | None = None


@dataclass(frozen=True, kw_only=True)
class RecordEvidence(Command):
    measure_id: str
    outcome: Outcome
    summary: str
    reference: str | None = None


@dataclass(frozen=True, kw_only=True)
class CorrectItem(Command):
    """A new title or description, or both."""

    reason: str
    title: str | None = None
    description: str | None = None


@dataclass(frozen=True, kw_only=True)
class CloseItem(Command):
    summary: str
    override_reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class ReopenItem(Command):
    reason: str
