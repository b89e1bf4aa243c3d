"""The commands of a case review: from the notification of a serious incident, through the
criteria, the decision and the review itself, to the published report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from domain.commands.base import Command

Party = Literal["practitioners", "family", "child"]
InvolvementStatus = Literal["invited", "contributed", "declined"]


@dataclass(frozen=True, kw_only=True)
class NotifyReview(Command):
    case_reference: str
    notified_on: date
    notifying_agency: str
    summary: str


@dataclass(frozen=True, kw_only=True)
class AssessCriteria(Command):
    """The five facts the statutory test reads."""

    abuse_or_neglect_known_or_suspected: bool
    child_died: bool
    child_seriously_harmed: bool
    concern_about_joint_working: bool
    died_in_custody_or_detained: bool


@dataclass(frozen=True, kw_only=True)
class DecideReview(Command):
    review_type: str
    rationale: str
    departure_reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class ChooseMethodology(Command):
    method: str
    lead_reviewer: str
    lead_reviewer_independent: bool


@dataclass(frozen=True, kw_only=True)
class RecordInvolvement(Command):
    party: Party
    status: InvolvementStatus
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class ReceiveFinalReport(Command):
    received_on: date
    summary: str


@dataclass(frozen=True, kw_only=True)
class AgreeBoardResponse(Command):
    agreed_on: date
    summary: str


@dataclass(frozen=True, kw_only=True)
class PublishReview(Command):
    published_on: date
    url: str


@dataclass(frozen=True, kw_only=True)
class ReachMilestone(Command):
    milestone: str
    reached_on: date


@dataclass(frozen=True, kw_only=True)
class LinkLearning(Command):
    """Lists a learning item drawn from the review (the item's source names the review)."""

    item_id: str
    subgroup: str
