"""The bodies of the audit programme's commands, each with the command it builds."""

from __future__ import annotations

from adapters.http.schemas.base import Body, Dated, IsoDate, Short, Text
from adapters.http.schemas.items import NewItem
from domain.commands.audit import CompleteAudit, PlanAudit, RecordFinding
from domain.framework import AuditKind


class NewAudit(Dated):
    kind: AuditKind
    theme: Short
    planned_for: IsoDate
    agency: Short | None = None
    prompted_by: Short | None = None
    follow_up_of: Short | None = None
    override_reason: Text | None = None

    def to_command(self) -> PlanAudit:
        return PlanAudit(
            kind=self.kind,
            theme=self.theme,
            planned_for=self.planned_for,
            agency=self.agency,
            prompted_by=self.prompted_by,
            follow_up_of=self.follow_up_of,
            override_reason=self.override_reason,
            on=self.on,
        )


class Finding(Dated):
    summary: Text
    learning: NewItem | None = None

    def to_command(self) -> RecordFinding:
        learning = self.learning.to_command() if self.learning is not None else None
        return RecordFinding(summary=self.summary, learning=learning, on=self.on)


class AuditCompletion(Body):
    completed_on: IsoDate
    summary: Text

    def to_command(self) -> CompleteAudit:
        return CompleteAudit(completed_on=self.completed_on, summary=self.summary)
