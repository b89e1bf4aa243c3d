"""Load the partnership's framework from a TOML file into the domain's value objects.

`load_framework(path)` reads `path` (or, given None, the packaged `default.toml`), checks it
strictly and returns a frozen `domain.framework.Framework`. A bare name that is not a file but
names a packaged framework (`working-together-2023`) loads that one, so `--framework
working-together-2023` selects the Working Together 2023 arrangements.

Every key must be known, every string non-empty, slugs lowercase (`^[a-z0-9][a-z0-9_-]*$`) and
unique where they must be told apart, `scope` one of `domain.framework.SCOPES`, `timezone` an IANA
zone, and each subgroup must name at least one identification source, means of improvement and
measure of effectiveness. The optional `[case_reviews]` and `[audits]` tables must name subgroups,
review types, steps and milestones that the file defines (see `models.py`). The optional
`[[reminders]]` rules each name a `target` (one of `domain.reminder_rules.TARGETS`) and exactly
one of `days_before_due` or `days_after_due` (0 or more), with an optional `repeat_every_days`
(1 or more) and `escalate`; none gives no reminders. Anything else raises
`FrameworkError`, whose message names the file and the field, e.g.
`framework.toml: subgroups[2].means_of_improvement[0].slug: Field required` or
`framework.toml: case_reviews.clocks[1].met_by: unknown step 'milestone:x'; expected one of: ...`.
"""

from __future__ import annotations

import pathlib
import tomllib
from importlib.resources import files
from importlib.resources.abc import Traversable

from pydantic import ValidationError

from adapters.framework.models import (
    AuditsModel,
    CaseReviewsModel,
    FrameworkModel,
    Loc,
    OptionModel,
    ReminderModel,
    cross_field_problems,
)
from domain.framework import (
    Agency,
    AuditRules,
    CaseReviewRules,
    ClockRule,
    Framework,
    Option,
    Subgroup,
)
from domain.reminder_rules import ReminderRule

PACKAGED = ("default", "working-together-2023")


class FrameworkError(Exception):
    """The framework file is missing, is not TOML, or breaks a rule; the message says where."""


def _field_path(loc: Loc) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def _options(options: list[OptionModel]) -> tuple[Option, ...]:
    return tuple(Option(slug=option.slug, label=option.label) for option in options)


def _case_reviews(model: CaseReviewsModel) -> CaseReviewRules:
    return CaseReviewRules(
        subgroup=model.subgroup,
        criteria=model.criteria,
        required_name=model.required_name,
        satisfies_requirement=tuple(model.satisfies_requirement),
        independent_lead_for=tuple(model.independent_lead_for),
        response_before_publication_for=tuple(model.response_before_publication_for),
        review_types=_options(model.review_types),
        methods=_options(model.methods),
        milestones=_options(model.milestones),
        clocks=tuple(
            ClockRule(
                name=clock.name,
                label=clock.label,
                starts_on=clock.starts_on,
                length=clock.length,
                unit=clock.unit,
                met_by=clock.met_by,
                applies_to=tuple(clock.applies_to),
            )
            for clock in model.clocks
        ),
    )


def _audits(model: AuditsModel) -> AuditRules:
    return AuditRules(
        subgroup=model.subgroup,
        multi_agency_case_audits_per_year=model.multi_agency_case_audits_per_year,
    )


def _reminder(model: ReminderModel) -> ReminderRule:
    return ReminderRule(
        name=model.name,
        label=model.label,
        target=model.target,
        offset_days=model.offset_days,
        repeat_days=model.repeat_every_days,
        escalate=model.escalate,
    )


def _to_domain(model: FrameworkModel) -> Framework:
    return Framework(
        name=model.name,
        timezone=model.timezone,
        subgroups=tuple(
            Subgroup(
                slug=subgroup.slug,
                name=subgroup.name,
                scope=subgroup.scope,
                identification_sources=_options(subgroup.identification_sources),
                means_of_improvement=_options(subgroup.means_of_improvement),
                measures_of_effectiveness=_options(subgroup.measures_of_effectiveness),
                restricted=subgroup.restricted,
            )
            for subgroup in model.subgroups
        ),
        agencies=tuple(Agency(slug=agency.slug, name=agency.name) for agency in model.agencies),
        case_reviews=_case_reviews(model.case_reviews) if model.case_reviews else None,
        audits=_audits(model.audits) if model.audits else None,
        reminders=tuple(_reminder(rule) for rule in model.reminders),
    )


def _source(path: str | pathlib.Path | None) -> Traversable | pathlib.Path:
    if path is None:
        return files("adapters.framework") / "default.toml"
    given = pathlib.Path(path)
    name = given.name.removesuffix(".toml")
    if not given.exists() and given.parent == pathlib.Path() and name in PACKAGED:
        return files("adapters.framework") / f"{name}.toml"
    return given


def load_framework(path: str | pathlib.Path | None = None) -> Framework:
    source = _source(path)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FrameworkError(f"{source}: no such framework file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkError(f"{source}: cannot read framework file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise FrameworkError(f"{source}: invalid TOML: {exc}") from None
    try:
        model = FrameworkModel.model_validate(data)
    except ValidationError as exc:
        problems = [(error["loc"], error["msg"]) for error in exc.errors()]
    else:
        problems = cross_field_problems(model)
    if problems:
        listed = "; ".join(f"{_field_path(loc)}: {message}" for loc, message in problems)
        raise FrameworkError(f"{source}: {listed}")
    return _to_domain(model)
