"""Correcting a record without losing it: a case review's step (its date, or the facts the
criteria were assessed on), an audit's planning (kind, theme, date, agency). The correction and
the value it replaces both stay in history; a correction that changes nothing is refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.commands.base import Command
from domain.commands.case_review import AssessCriteria
from domain.framework import AuditKind


@dataclass(frozen=True, kw_only=True)
class CorrectReviewStep(Command):
    """`step` is one of `domain.framework.STEPS` or `milestone:<slug>`; `happened_on` its right
    date; `criteria` (with the step `criteria_assessed`) the right facts."""

    step: str
    reason: str
    happened_on: date | None = None
    criteria: AssessCriteria | None = None


@dataclass(frozen=True, kw_only=True)
class CorrectAudit(Command):
    """The right kind, theme, planned date or agency; a field left out keeps its value."""

    reason: str
    kind: AuditKind | None = None
    theme: str | None = None
    planned_for: date | None = None
    agency: str | None = None
    override_reason: str | None = None  # a case audit moved into a year that has its four
