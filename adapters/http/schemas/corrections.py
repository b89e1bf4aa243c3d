"""The bodies that put things right: withdrawing a record or a part of it, correcting a case
review's step or an audit's planning. Each builds its command."""

from __future__ import annotations

from adapters.http.schemas.base import Body, IsoDate, Short, Text
from adapters.http.schemas.case_reviews import Criteria
from domain.commands.corrections import CorrectAudit, CorrectReviewStep
from domain.commands.withdrawal import Withdraw, WithdrawAction, WithdrawMeasure
from domain.framework import AuditKind


class _Reasoned(Body):
    reason: Text
    on: IsoDate | None = None


class Withdrawal(_Reasoned):
    def to_command(self) -> Withdraw:
        return Withdraw(reason=self.reason, on=self.on)


class ActionWithdrawal(_Reasoned):
    def to_command(self, action_id: str) -> WithdrawAction:
        return WithdrawAction(action_id=action_id, reason=self.reason, on=self.on)


class MeasureWithdrawal(_Reasoned):
    def to_command(self, measure_id: str) -> WithdrawMeasure:
        return WithdrawMeasure(measure_id=measure_id, reason=self.reason, on=self.on)


class StepCorrection(Body):
    step: Short
    reason: Text
    happened_on: IsoDate | None = None
    criteria: Criteria | None = None
    on: IsoDate | None = None

    def to_command(self) -> CorrectReviewStep:
        return CorrectReviewStep(
            step=self.step,
            reason=self.reason,
            happened_on=self.happened_on,
            criteria=self.criteria.to_command() if self.criteria is not None else None,
            on=self.on,
        )


class AuditCorrection(Body):
    reason: Text
    kind: AuditKind | None = None
    theme: Short | None = None
    planned_for: IsoDate | None = None
    agency: Short | None = None
    override_reason: Text | None = None
    on: IsoDate | None = None

    def to_command(self) -> CorrectAudit:
        return CorrectAudit(
            reason=self.reason,
            kind=self.kind,
            theme=self.theme,
            planned_for=self.planned_for,
            agency=self.agency,
            override_reason=self.override_reason,
            on=self.on,
        )
