"""Audits (seed 5.6-5.7) and the reporting year's programme of multi-agency case audits.

A multi-agency case audit (a "deep dive") takes its theme from the business plan, and the Board
carries out up to a set number each reporting year; a bespoke multi-agency audit may answer a case
review; a single-agency audit names its agency. `AuditProgramme`, one per reporting year, keeps the
count: the service saves the audit and the programme together, so two requests racing for the
last place conflict on the programme's version instead of both succeeding.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate

from domain import loop
from domain.actor import Actor
from domain.commands.audit import CompleteAudit, PlanAudit, RecordFinding, ScheduleCaseAudit
from domain.dates import recorded_day, step_date
from domain.errors import InvalidField, RuleViolation
from domain.framework import AUDIT_KINDS, Framework
from domain.reporting_year import reporting_year, year_bounds, year_label

MULTI_AGENCY_CASE_AUDIT = "multi_agency_case_audit"
BESPOKE_MULTI_AGENCY_AUDIT = "bespoke_multi_agency_audit"
SINGLE_AGENCY_AUDIT = "single_agency_audit"

_PROGRAMME_NAMESPACE = UUID("6dbc8878-b621-4f67-a994-e3e04c7072e3")


@dataclass
class Finding:
    id: str
    summary: str
    learning_item_id: str | None
    on: date


def _required(value: str, name: str) -> str:
    if not value.strip():
        raise InvalidField(name, "must not be empty")
    return value.strip()


def _optional(value: str | None) -> str | None:
    return (value or "").strip() or None


class Audit(Aggregate):
    class Event(Aggregate.Event):
        actor: dict[str, str]

    class Planned(Event, Aggregate.Created):
        kind: str
        theme: str
        planned_for: date
        reporting_year: int
        planned_on: date
        agency: str | None
        prompted_by: str | None
        follow_up_of: str | None
        override_reason: str | None

    class FindingRecorded(Event):
        """Version 2 adds `on`: version 1 events load as found on the day recorded."""

        class_version = 2

        finding_id: str
        summary: str
        learning_item_id: str | None
        on: date

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            recorded_day(state)

        def apply(self, audit: Audit) -> None:
            audit.findings[self.finding_id] = Finding(
                self.finding_id, self.summary, self.learning_item_id, self.on
            )

    class Completed(Event):
        completed_on: date
        summary: str

        def apply(self, audit: Audit) -> None:
            audit.completed_on = self.completed_on
            audit.completion_summary = self.summary

    def __init__(
        self,
        actor: dict[str, str],
        kind: str,
        theme: str,
        planned_for: date,
        reporting_year: int,
        planned_on: date,
        agency: str | None,
        prompted_by: str | None,
        follow_up_of: str | None,
        override_reason: str | None,
    ) -> None:
        self.kind = kind
        self.theme = theme
        self.planned_for = planned_for
        self.reporting_year = reporting_year
        self.planned_on = planned_on
        self.agency = agency
        self.prompted_by = prompted_by
        self.follow_up_of = follow_up_of
        self.override_reason = override_reason
        self.findings: dict[str, Finding] = {}
        self.completed_on: date | None = None
        self.completion_summary: str | None = None

    # -- decisions -------------------------------------------------------------------------

    @classmethod
    def plan(
        cls,
        framework: Framework,
        command: PlanAudit,
        *,
        actor: Actor,
        now: datetime,
        follow_up_of: Audit | None = None,
    ) -> Audit:
        """`follow_up_of` is the audit `command.follow_up_of` names, loaded by the caller."""
        kind = command.kind
        if kind not in AUDIT_KINDS:
            allowed = ", ".join(AUDIT_KINDS)
            raise InvalidField("kind", f"'{kind}' is not an audit kind; expected one of: {allowed}")
        theme = _required(command.theme, "theme")
        day = command.planned_for
        agency = _optional(command.agency)
        if kind == SINGLE_AGENCY_AUDIT:
            if agency is None:
                raise InvalidField("agency", "a single-agency audit names the agency it audits")
            framework.agency(agency)
        elif agency is not None:
            raise InvalidField("agency", "a multi-agency audit names no single agency")
        prompted_by = _optional(command.prompted_by)
        if prompted_by is not None and kind == MULTI_AGENCY_CASE_AUDIT:
            raise InvalidField(
                "prompted_by",
                "a multi-agency case audit takes its theme from the business plan;"
                " plan a bespoke audit in response to a case review",
            )
        override_reason = _optional(command.override_reason)
        if override_reason is not None and kind != MULTI_AGENCY_CASE_AUDIT:
            raise InvalidField(
                "override_reason", "only multi-agency case audits are limited in number"
            )
        if follow_up_of is not None and not follow_up_of.is_completed:
            raise RuleViolation("a follow-up audit is planned from a completed audit")
        followed = follow_up_of.completed_on if follow_up_of is not None else None
        planned_on = step_date(
            command.on,
            now,
            framework.timezone,
            after=[(followed, "the audit it follows up was completed")],
        )
        return cls._create(
            cls.Planned,
            actor=actor.as_record(),
            kind=kind,
            theme=theme,
            planned_for=day,
            reporting_year=reporting_year(day),
            planned_on=planned_on,
            agency=agency,
            prompted_by=prompted_by,
            follow_up_of=str(follow_up_of.id) if follow_up_of is not None else None,
            override_reason=override_reason,
            timestamp=now,
        )

    def record_finding(
        self,
        command: RecordFinding,
        *,
        actor: Actor,
        now: datetime,
        learning_item_id: UUID | None = None,
        timezone: str = loop.DEFAULT_TIMEZONE,
    ) -> str:
        """`learning_item_id` is the item drawn from `command.learning`, when it names one."""
        if self.is_completed:
            raise RuleViolation("a completed audit records no more findings")
        on = self.finding_date(command.on, now, timezone)
        finding_id = str(uuid4())
        self.trigger_event(
            self.FindingRecorded,
            finding_id=finding_id,
            summary=_required(command.summary, "summary"),
            learning_item_id=str(learning_item_id) if learning_item_id is not None else None,
            on=on,
            actor=actor.as_record(),
            timestamp=now,
        )
        return finding_id

    def complete(
        self, command: CompleteAudit, *, actor: Actor, now: datetime, timezone: str
    ) -> None:
        if self.is_completed:
            raise RuleViolation(f"the audit was completed on {self.completed_on}")
        last_finding = max((f.on for f in self.findings.values()), default=None)
        day = step_date(
            command.completed_on,
            now,
            timezone,
            field="completed_on",
            after=[
                (self.planned_on, "the audit was planned"),
                (last_finding, "its last finding"),
            ],
        )
        self.trigger_event(
            self.Completed,
            completed_on=day,
            summary=_required(command.summary, "summary"),
            actor=actor.as_record(),
            timestamp=now,
        )

    def finding_date(self, given: date | None, now: datetime, timezone: str) -> date:
        """The day a finding was made: not before the audit was planned, nor in the future."""
        return step_date(given, now, timezone, after=[(self.planned_on, "the audit was planned")])

    @property
    def is_completed(self) -> bool:
        return self.completed_on is not None

    @property
    def is_case_audit(self) -> bool:
        return self.kind == MULTI_AGENCY_CASE_AUDIT


class AuditProgramme(Aggregate):
    """The multi-agency case audits scheduled in one reporting year; one programme a year."""

    class Event(Aggregate.Event):
        actor: dict[str, str]

    class Opened(Event, Aggregate.Created):
        year: int

    class CaseAuditScheduled(Event):
        audit_id: str
        override_reason: str | None

        def apply(self, programme: AuditProgramme) -> None:
            programme.scheduled[self.audit_id] = self.override_reason

    def __init__(self, actor: dict[str, str], year: int) -> None:
        self.year = year
        self.scheduled: dict[str, str | None] = {}

    @classmethod
    def id_for(cls, year: int) -> UUID:
        return uuid5(_PROGRAMME_NAMESPACE, f"audit-programme/{year}")

    @classmethod
    def open(cls, year: int, *, actor: Actor, now: datetime) -> AuditProgramme:
        return cls._create(
            cls.Opened, id=cls.id_for(year), year=year, actor=actor.as_record(), timestamp=now
        )

    def schedule(
        self, command: ScheduleCaseAudit, *, limit: int, actor: Actor, now: datetime
    ) -> None:
        """Schedules a case audit; beyond `limit` in the year only with an override reason."""
        audit_id = command.audit_id
        if audit_id in self.scheduled:
            raise RuleViolation(f"audit {audit_id} is already in the {self.label} programme")
        override_reason = _optional(command.override_reason)
        if len(self.scheduled) >= limit and override_reason is None:
            raise RuleViolation(
                f"up to {limit} multi-agency case audits are planned each reporting year, and"
                f" {self.label} ({_spell(self.year)}) has {len(self.scheduled)};"
                " give an override_reason to plan another"
            )
        self.trigger_event(
            self.CaseAuditScheduled,
            audit_id=audit_id,
            override_reason=override_reason,
            actor=actor.as_record(),
            timestamp=now,
        )

    @property
    def label(self) -> str:
        return year_label(self.year)


def _spell(year: int) -> str:
    first, last = year_bounds(year)
    return f"{first.day} {first:%B %Y} to {last.day} {last:%B %Y}"
