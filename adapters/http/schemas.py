"""Request bodies. Unknown fields are refused; dates must be real `YYYY-MM-DD` dates.

These are the wire format, not commands: routes unpack them into service calls.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

FIRST_YEAR, LAST_YEAR = 1900, 2199
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _iso_date(value: Any) -> date:
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"'{value}' is not a calendar date") from exc
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise ValueError(f"'{value}' is outside the years {FIRST_YEAR} to {LAST_YEAR}")
        return day
    raise ValueError("expected a date as YYYY-MM-DD")


def _email(value: Any) -> Any:
    if value is not None and not (isinstance(value, str) and _EMAIL.match(value)):
        raise ValueError("expected an email address")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Email = Annotated[str | None, BeforeValidator(_email)]
Text = Annotated[str, Field(max_length=20_000)]
Short = Annotated[str, Field(max_length=500)]
Code = Annotated[str, Field(max_length=64)]
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(Body):
    kind: Short
    reference: Short | None = None


class NewItem(Body):
    subgroup: Short
    title: Short
    description: Text
    source: Source
    themes: list[Short] = Field(default_factory=list, max_length=50)


class NewAction(Body):
    means: Short
    description: Text
    owner: Short
    due: IsoDate
    owner_email: Email = None


class ProgressUpdate(Body):
    status: Literal["on_track", "at_risk", "off_track", "complete"]
    note: Text = ""


class ActionAmendment(Body):
    owner: Short | None = None
    owner_email: Email = None
    due: IsoDate | None = None
    reason: Text


class IndicatorLink(Body):
    code: Code
    target: Number
    agency: Short | None = None


class NewMeasure(Body):
    kind: Short
    description: Text
    review_due: IsoDate
    indicator: IndicatorLink | None = None


class NewEvidence(Body):
    outcome: Literal["met", "partly_met", "not_met"]
    summary: Text
    reference: Short | None = None


class Closure(Body):
    summary: Text
    override_reason: Text | None = None


class Reopening(Body):
    reason: Text


class Correction(Body):
    title: Short | None = None
    description: Text | None = None
    reason: Text


class Notification(Body):
    case_reference: Annotated[str, Field(max_length=100)]
    notified_on: IsoDate
    notifying_agency: Short
    summary: Text


class Criteria(Body):
    abuse_or_neglect_known_or_suspected: StrictBool
    child_died: StrictBool
    child_seriously_harmed: StrictBool
    concern_about_joint_working: StrictBool
    died_in_custody_or_detained: StrictBool


class Decision(Body):
    review_type: Short
    rationale: Text
    departure_reason: Text | None = None


class Methodology(Body):
    method: Short
    lead_reviewer: Short
    lead_reviewer_independent: StrictBool


class Involvement(Body):
    party: Literal["practitioners", "family", "child"]
    status: Literal["invited", "contributed", "declined"]
    note: Text = ""


class FinalReport(Body):
    received_on: IsoDate
    summary: Text


class BoardResponse(Body):
    agreed_on: IsoDate
    summary: Text


class Publication(Body):
    published_on: IsoDate
    url: Short


class Milestone(Body):
    milestone: Short
    reached_on: IsoDate


class NewAudit(Body):
    kind: Literal["multi_agency_case_audit", "bespoke_multi_agency_audit", "single_agency_audit"]
    theme: Short
    planned_for: IsoDate
    agency: Short | None = None
    prompted_by: Short | None = None
    follow_up_of: Short | None = None
    override_reason: Text | None = None


class Finding(Body):
    summary: Text
    learning: NewItem | None = None


class AuditCompletion(Body):
    completed_on: IsoDate
    summary: Text


class NewIndicator(Body):
    code: Code
    name: Short
    unit: Short
    polarity: Literal["higher_is_better", "lower_is_better"]
    major_change_pct: Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)]


class NewValue(Body):
    period: Annotated[str, Field(max_length=16)]
    agency: Short
    value: Number
    commentary: Text | None = None
    statistical_neighbours: Number | None = None
    england: Number | None = None
    correction_reason: Text | None = None
