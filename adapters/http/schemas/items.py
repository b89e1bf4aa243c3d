"""The bodies of a learning item's commands, each with the command it builds."""

from __future__ import annotations

from pydantic import Field

from adapters.http.schemas.base import Body, Code, Dated, Email, IsoDate, Number, Short, Text
from domain.commands.learning_item import (
    AmendAction,
    ChooseMeans,
    CloseItem,
    CorrectItem,
    DefineMeasure,
    IdentifyNeed,
    IndicatorTarget,
    RecordEvidence,
    ReopenItem,
    ReportProgress,
)
from domain.loop import Outcome, ProgressStatus


class Source(Body):
    kind: Short
    reference: Short | None = None


class NewItem(Dated):
    subgroup: Short
    title: Short
    description: Text
    source: Source
    themes: list[Short] = Field(default_factory=list, max_length=50)

    def to_command(self) -> IdentifyNeed:
        return IdentifyNeed(
            subgroup=self.subgroup,
            title=self.title,
            description=self.description,
            source_kind=self.source.kind,
            source_reference=self.source.reference,
            themes=tuple(self.themes),
            on=self.on,
        )


class NewAction(Dated):
    means: Short
    description: Text
    owner: Short
    due: IsoDate
    owner_email: Email = None

    def to_command(self) -> ChooseMeans:
        return ChooseMeans(
            means=self.means,
            description=self.description,
            owner=self.owner,
            due=self.due,
            owner_email=self.owner_email,
            on=self.on,
        )


class ProgressUpdate(Dated):
    status: ProgressStatus
    note: Text = ""

    def to_command(self, action_id: str) -> ReportProgress:
        return ReportProgress(action_id=action_id, status=self.status, note=self.note, on=self.on)


class ActionAmendment(Dated):
    owner: Short | None = None
    owner_email: Email = None
    due: IsoDate | None = None
    reason: Text

    def to_command(self, action_id: str) -> AmendAction:
        return AmendAction(
            action_id=action_id,
            reason=self.reason,
            owner=self.owner,
            owner_email=self.owner_email,
            due=self.due,
            on=self.on,
        )


class IndicatorLink(Body):
    code: Code
    target: Number
    agency: Short | None = None

    def to_target(self) -> IndicatorTarget:
        return IndicatorTarget(code=self.code, target=self.target, agency=self.agency)


class NewMeasure(Dated):
    kind: Short
    description: Text
    review_due: IsoDate
    indicator: IndicatorLink | None = None

    def to_command(self) -> DefineMeasure:
        return DefineMeasure(
            kind=self.kind,
            description=self.description,
            review_due=self.review_due,
            indicator=self.indicator.to_target() if self.indicator is not None else None,
            on=self.on,
        )


class NewEvidence(Dated):
    outcome: Outcome
    summary: Text
    reference: Short | None = None

    def to_command(self, measure_id: str) -> RecordEvidence:
        return RecordEvidence(
            measure_id=measure_id,
            outcome=self.outcome,
            summary=self.summary,
            reference=self.reference,
            on=self.on,
        )


class Correction(Body):
    title: Short | None = None
    description: Text | None = None
    reason: Text

    def to_command(self) -> CorrectItem:
        return CorrectItem(reason=self.reason, title=self.title, description=self.description)


class Closure(Dated):
    summary: Text
    override_reason: Text | None = None

    def to_command(self) -> CloseItem:
        return CloseItem(summary=self.summary, override_reason=self.override_reason, on=self.on)


class Reopening(Dated):
    reason: Text

    def to_command(self) -> ReopenItem:
        return ReopenItem(reason=self.reason, on=self.on)
