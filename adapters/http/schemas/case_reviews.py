"""The bodies of a case review's commands, each with the command it builds."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictBool

from adapters.http.schemas.base import Body, Dated, IsoDate, Short, Text
from domain.commands.case_review import (
    AgreeBoardResponse,
    AssessCriteria,
    ChooseMethodology,
    DecideReview,
    InvolvementStatus,
    NotifyReview,
    Party,
    PublishReview,
    ReachMilestone,
    ReceiveFinalReport,
    RecordInvolvement,
)


class Notification(Body):
    case_reference: Annotated[str, Field(max_length=100)]
    notified_on: IsoDate
    notifying_agency: Short
    summary: Text

    def to_command(self) -> NotifyReview:
        return NotifyReview(
            case_reference=self.case_reference,
            notified_on=self.notified_on,
            notifying_agency=self.notifying_agency,
            summary=self.summary,
        )


class Criteria(Dated):
    abuse_or_neglect_known_or_suspected: StrictBool
    child_died: StrictBool
    child_seriously_harmed: StrictBool
    concern_about_joint_working: StrictBool
    died_in_custody_or_detained: StrictBool

    def to_command(self) -> AssessCriteria:
        return AssessCriteria(
            abuse_or_neglect_known_or_suspected=self.abuse_or_neglect_known_or_suspected,
            child_died=self.child_died,
            child_seriously_harmed=self.child_seriously_harmed,
            concern_about_joint_working=self.concern_about_joint_working,
            died_in_custody_or_detained=self.died_in_custody_or_detained,
            on=self.on,
        )


class Decision(Dated):
    review_type: Short
    rationale: Text
    departure_reason: Text | None = None

    def to_command(self) -> DecideReview:
        return DecideReview(
            review_type=self.review_type,
            rationale=self.rationale,
            departure_reason=self.departure_reason,
            on=self.on,
        )


class Methodology(Dated):
    method: Short
    lead_reviewer: Short
    lead_reviewer_independent: StrictBool

    def to_command(self) -> ChooseMethodology:
        return ChooseMethodology(
            method=self.method,
            lead_reviewer=self.lead_reviewer,
            lead_reviewer_independent=self.lead_reviewer_independent,
            on=self.on,
        )


class Involvement(Dated):
    party: Party
    status: InvolvementStatus
    note: Text = ""

    def to_command(self) -> RecordInvolvement:
        return RecordInvolvement(party=self.party, status=self.status, note=self.note, on=self.on)


class FinalReport(Body):
    received_on: IsoDate
    summary: Text

    def to_command(self) -> ReceiveFinalReport:
        return ReceiveFinalReport(received_on=self.received_on, summary=self.summary)


class BoardResponse(Body):
    agreed_on: IsoDate
    summary: Text

    def to_command(self) -> AgreeBoardResponse:
        return AgreeBoardResponse(agreed_on=self.agreed_on, summary=self.summary)


class Publication(Body):
    published_on: IsoDate
    url: Short

    def to_command(self) -> PublishReview:
        return PublishReview(published_on=self.published_on, url=self.url)


class Milestone(Body):
    milestone: Short
    reached_on: IsoDate

    def to_command(self) -> ReachMilestone:
        return ReachMilestone(milestone=self.milestone, reached_on=self.reached_on)
