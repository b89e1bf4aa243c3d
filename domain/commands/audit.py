"""The commands of the audit programme: plan an audit, record a finding (and the learning it
identifies), complete the audit; and a case audit's place in its year's programme."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.commands.base import Command
from domain.commands.learning_item import IdentifyNeed
from domain.framework import AuditKind


@dataclass(frozen=True, kw_only=True)
class PlanAudit(Command):
    kind: AuditKind
    theme: str
    planned_for: date
    agency: str | None = None
    prompted_by: str | None = None  # a case review's id
    follow_up_of: str | None = None  # a completed audit's id
    override_reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class RecordFinding(Command):
    summary: str
    learning: IdentifyNeed | None = None


@dataclass(frozen=True, kw_only=True)
class CompleteAudit(Command):
    completed_on: date
    summary: str


@dataclass(frozen=True, kw_only=True)
class ScheduleCaseAudit(Command):
    audit_id: str
    override_reason: str | None = None
