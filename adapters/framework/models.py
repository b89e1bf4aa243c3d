"""Strict pydantic models of the framework file, and the checks that span its fields.

The models check each value on its own (types, slugs, unknown keys, lengths, duplicates);
`cross_field_problems` then checks what one part of the file says about another (a case-review
subgroup that is a subgroup, a clock step that is a step or a defined milestone, review types that
exist) and answers `(field path, message)` pairs, so the loader reports both kinds alike.

A reminder rule (`[[reminders]]`) names its target and exactly one of `days_before_due` or
`days_after_due`; giving both or neither is reported at the rule (`reminders[2]`), a negative
number at the field (`reminders[2].days_before_due`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from domain.framework import CRITERIA, SCOPES, STEPS, ClockUnit
from domain.reminder_rules import TARGETS

MILESTONE = "milestone:"

Loc = tuple[str | int, ...]


def _unique(items: list[Any], key: str = "slug") -> list[Any]:
    seen: set[str] = set()
    for item in items:
        value = item if isinstance(item, str) else getattr(item, key)
        if value in seen:
            raise PydanticCustomError(
                "duplicate", "duplicate {key} '{value}'", {"key": key, "value": value}
            )
        seen.add(value)
    return items


def _unique_names(items: list[Any]) -> list[Any]:
    return _unique(items, key="name")


def _known_zone(key: str) -> str:
    try:
        ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise PydanticCustomError("timezone", "unknown time zone '{key}'", {"key": key}) from None
    return key


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
Slugs = Annotated[list[Slug], AfterValidator(_unique)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class OptionModel(_Strict):
    slug: Slug
    label: Text


class AgencyModel(_Strict):
    slug: Slug
    name: Text


Options = Annotated[list[OptionModel], Field(min_length=1), AfterValidator(_unique)]
MaybeOptions = Annotated[list[OptionModel], AfterValidator(_unique)]


class SubgroupModel(_Strict):
    slug: Slug
    name: Text
    scope: Literal[SCOPES]  # type: ignore[valid-type]
    restricted: bool = False
    identification_sources: Options
    means_of_improvement: Options
    measures_of_effectiveness: Options


class ClockModel(_Strict):
    name: Slug
    label: Text
    starts_on: Text
    length: Annotated[int, Field(ge=1)]
    unit: ClockUnit
    met_by: Text
    applies_to: Slugs = []


class CaseReviewsModel(_Strict):
    subgroup: Slug
    criteria: Literal[CRITERIA]  # type: ignore[valid-type]
    required_name: Slug
    satisfies_requirement: Annotated[Slugs, Field(min_length=1)]
    independent_lead_for: Slugs = []
    response_before_publication_for: Slugs = []
    review_types: Options
    methods: Options
    milestones: MaybeOptions = []
    clocks: Annotated[list[ClockModel], AfterValidator(_unique_names)] = []


class AuditsModel(_Strict):
    subgroup: Slug
    multi_agency_case_audits_per_year: Annotated[int, Field(ge=1)] = 4


Days = Annotated[int, Field(ge=0)]


class ReminderModel(_Strict):
    name: Slug
    label: Text
    target: Literal[TARGETS]  # type: ignore[valid-type]
    days_before_due: Days | None = None
    days_after_due: Days | None = None
    repeat_every_days: Annotated[int, Field(ge=1)] | None = None
    escalate: bool = False

    @model_validator(mode="after")
    def _one_offset(self) -> ReminderModel:
        before, after = self.days_before_due is not None, self.days_after_due is not None
        if before and after:
            raise PydanticCustomError("offset", "give days_before_due or days_after_due, not both")
        if not (before or after):
            raise PydanticCustomError(
                "offset", "give days_before_due or days_after_due (0 for on the day)"
            )
        return self

    @property
    def offset_days(self) -> int:
        """Days from the due date (negative: before it); checked above to be exactly one."""
        if self.days_before_due is not None:
            return -self.days_before_due
        return self.days_after_due or 0


class FrameworkModel(_Strict):
    name: Text
    timezone: Annotated[Text, AfterValidator(_known_zone)]
    agencies: Annotated[list[AgencyModel], AfterValidator(_unique)] = []
    subgroups: Annotated[list[SubgroupModel], Field(min_length=1), AfterValidator(_unique)]
    case_reviews: CaseReviewsModel | None = None
    audits: AuditsModel | None = None
    reminders: Annotated[list[ReminderModel], AfterValidator(_unique_names)] = []


def cross_field_problems(model: FrameworkModel) -> list[tuple[Loc, str]]:
    """Every reference in the file to something defined elsewhere in it that is not there."""
    subgroups = [subgroup.slug for subgroup in model.subgroups]
    problems: list[tuple[Loc, str]] = []
    if model.audits and model.audits.subgroup not in subgroups:
        unknown = _unknown("subgroup", model.audits.subgroup, subgroups)
        problems.append((("audits", "subgroup"), unknown))
    if model.case_reviews:
        problems.extend(_case_review_problems(model.case_reviews, subgroups))
    return problems


def _case_review_problems(
    rules: CaseReviewsModel, subgroups: list[str]
) -> Iterator[tuple[Loc, str]]:
    at: Loc = ("case_reviews",)
    if rules.subgroup not in subgroups:
        yield (*at, "subgroup"), _unknown("subgroup", rules.subgroup, subgroups)
    types = [option.slug for option in rules.review_types]
    for field in (
        "satisfies_requirement",
        "independent_lead_for",
        "response_before_publication_for",
    ):
        for index, slug in enumerate(getattr(rules, field)):
            if slug not in types:
                yield (*at, field, index), _unknown("review type", slug, types)
    steps = [*STEPS, *(MILESTONE + option.slug for option in rules.milestones)]
    for number, clock in enumerate(rules.clocks):
        here: Loc = (*at, "clocks", number)
        for field in ("starts_on", "met_by"):
            if getattr(clock, field) not in steps:
                yield (*here, field), _unknown("step", getattr(clock, field), steps)
        if clock.met_by == clock.starts_on:
            yield (*here, "met_by"), f"'{clock.met_by}' is also the step that starts the clock"
        elif _in_order(clock.met_by, clock.starts_on):
            yield (*here, "met_by"), f"'{clock.met_by}' comes before '{clock.starts_on}'"
        for index, slug in enumerate(clock.applies_to):
            if slug not in types:
                yield (*here, "applies_to", index), _unknown("review type", slug, types)


def _in_order(earlier: str, later: str) -> bool:
    """Whether both are STEPS and `earlier` comes first in a review's course (milestones have no
    fixed place)."""
    return earlier in STEPS and later in STEPS and STEPS.index(earlier) < STEPS.index(later)


def _unknown(what: str, value: str, allowed: list[str] | None = None) -> str:
    expected = f"; expected one of: {', '.join(allowed)}" if allowed else ""
    return f"unknown {what} '{value}'{expected}"
