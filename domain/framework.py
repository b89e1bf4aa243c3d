"""The partnership's learning-and-improvement framework as value objects.

The framework names each body (the Board and its subgroups), where its learning needs come from,
the means of improvement it uses and the measures of effectiveness it accepts (seed, Appendix 2).
Everything here is data; loading it from a file is an adapter's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from domain.errors import InvalidField, UnknownSubgroup
from domain.reminder_rules import ReminderRule

SCOPES = ("local", "pan-berkshire")


@dataclass(frozen=True)
class Option:
    """A stable slug with the label a person reads."""

    slug: str
    label: str


def _slugs(options: tuple[Option, ...]) -> tuple[str, ...]:
    return tuple(option.slug for option in options)


@dataclass(frozen=True)
class Subgroup:
    slug: str
    name: str
    scope: str
    identification_sources: tuple[Option, ...]
    means_of_improvement: tuple[Option, ...]
    measures_of_effectiveness: tuple[Option, ...]
    restricted: bool = False

    def check_source(self, kind: str, field_name: str = "source.kind") -> None:
        self._check(kind, self.identification_sources, "an identification source", field_name)

    def check_means(self, means: str, field_name: str = "means") -> None:
        self._check(means, self.means_of_improvement, "a means of improvement", field_name)

    def check_measure(self, kind: str, field_name: str = "kind") -> None:
        self._check(kind, self.measures_of_effectiveness, "a measure of effectiveness", field_name)

    def _check(self, slug: str, options: tuple[Option, ...], what: str, field_name: str) -> None:
        if slug not in _slugs(options):
            allowed = ", ".join(_slugs(options))
            raise InvalidField(
                field_name, f"'{slug}' is not {what} of {self.slug}; expected one of: {allowed}"
            )


@dataclass(frozen=True)
class Agency:
    slug: str
    name: str


STEPS = (
    "notified",
    "criteria_assessed",
    "decided",
    "methodology_chosen",
    "final_report_received",
    "board_response_agreed",
    "published",
)
ClockUnit = Literal["calendar_days", "working_days"]
CALENDAR_DAYS: ClockUnit = "calendar_days"
WORKING_DAYS: ClockUnit = "working_days"
CRITERIA = ("regulation-5-2-2006", "serious-child-safeguarding-case-2023")


@dataclass(frozen=True)
class ClockRule:
    """A statutory or local clock on a case review: `length` days (calendar or working) from the
    date of step `starts_on` until step `met_by`. A step is one of STEPS or `milestone:<slug>`."""

    name: str
    label: str
    starts_on: str
    length: int
    unit: str
    met_by: str
    applies_to: tuple[str, ...] = ()  # review types it runs for; empty: every review

    def applies(self, review_type: str | None) -> bool:
        return not self.applies_to or review_type in self.applies_to


@dataclass(frozen=True)
class CaseReviewRules:
    """How a partnership's case reviews run (Working Together 2013 by default).

    `criteria` names the statutory test that `assess_criteria` applies; when it holds, a review
    is `required` and reported by the name `required_name`; `satisfies_requirement` lists the
    decision types that meet the requirement without a departure reason.
    """

    subgroup: str
    criteria: str
    required_name: str
    satisfies_requirement: tuple[str, ...]
    independent_lead_for: tuple[str, ...]
    response_before_publication_for: tuple[str, ...]
    review_types: tuple[Option, ...]
    methods: tuple[Option, ...]
    milestones: tuple[Option, ...]
    clocks: tuple[ClockRule, ...]

    def check_review_type(self, slug: str, field_name: str = "review_type") -> None:
        _check_option(slug, self.review_types, "a review type", field_name)

    def check_method(self, slug: str, field_name: str = "method") -> None:
        _check_option(slug, self.methods, "a review method", field_name)

    def check_milestone(self, slug: str, field_name: str = "milestone") -> None:
        _check_option(slug, self.milestones, "a milestone", field_name)


AuditKind = Literal["multi_agency_case_audit", "bespoke_multi_agency_audit", "single_agency_audit"]
AUDIT_KINDS: tuple[AuditKind, ...] = get_args(AuditKind)


@dataclass(frozen=True)
class AuditRules:
    subgroup: str
    multi_agency_case_audits_per_year: int = 4


def _check_option(slug: str, options: tuple[Option, ...], what: str, field_name: str) -> None:
    if slug not in _slugs(options):
        allowed = ", ".join(_slugs(options))
        raise InvalidField(field_name, f"'{slug}' is not {what}; expected one of: {allowed}")


@dataclass(frozen=True)
class Framework:
    name: str
    timezone: str
    subgroups: tuple[Subgroup, ...]
    agencies: tuple[Agency, ...] = field(default=())
    case_reviews: CaseReviewRules | None = None
    audits: AuditRules | None = None
    reminders: tuple[ReminderRule, ...] = ()

    def agency(self, slug: str, field_name: str = "agency") -> Agency:
        for agency in self.agencies:
            if agency.slug == slug:
                return agency
        raise InvalidField(field_name, f"no agency '{slug}' in the framework")

    def subgroup(self, slug: str) -> Subgroup:
        for subgroup in self.subgroups:
            if subgroup.slug == slug:
                return subgroup
        raise UnknownSubgroup(slug)

    def has_subgroup(self, slug: str) -> bool:
        return any(subgroup.slug == slug for subgroup in self.subgroups)
