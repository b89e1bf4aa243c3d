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

from domain import loop, withdrawal
from domain.actor import Actor
from domain.commands.audit import CompleteAudit, PlanAudit, RecordFinding, ScheduleCaseAudit
from domain.commands.corrections import CorrectAudit
from domain.commands.withdrawal import Withdraw
from domain.dates import recorded_day, step_date
from domain.errors import InvalidField, RuleViolation
from domain.framework import AUDIT_KINDS, Framework
from domain.reference import Numbering, Referenced, record_id
from domain.reporting_year import reporting_year, year_bounds, year_label

MULTI_AGENCY_CASE_AUDIT = "multi_agency_case_audit"
BESPOKE_MULTI_AGENCY_AUDIT = "bespoke_multi_agency_audit"
SINGLE_AGENCY_AUDIT = "single_agency_audit"
PLANNED, COMPLETED, WITHDRAWN = "planned", "completed", "withdrawn"
STATUSES = (PLANNED, COMPLETED, WITHDRAWN)  # as the audits view derives them

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


class Audit(Referenced, Aggregate):
    class Event(Aggregate.Event):
        actor: dict[str, str]

    class Planned(Event, Aggregate.Created):
        """Version 2 adds `reference`; version 1 events load with none."""

        class_version = 2
        reference: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["reference"] = None  # recorded before references: assigned by an upgrade

        kind: str
        theme: str
        planned_for: date
        reporting_year: int
        planned_on: date
        agency: str | None
        prompted_by: str | None
        follow_up_of: str | None
        override_reason: str | None

    class ReferenceAssigned(Event):
        """A reference given to a record created before references were (ADR 0045)."""

        reference: str

        def apply(self, record: Any) -> None:
            record.reference = self.reference

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

    class Withdrawn(Event):
        """The audit will not happen (or was entered twice): it keeps its history, leaves the
        lists and counts, and frees its place in the year's programme."""

        reason: str
        withdrawn_on: date

        def apply(self, audit: Audit) -> None:
            audit.withdrawn_on = self.withdrawn_on

    class Corrected(Event):
        """The planning put right: the fields that changed, and their previous values."""

        changes: dict[str, Any]
        previous: dict[str, Any]
        reporting_year: int
        reason: str
        corrected_on: date | None

        class_version = 2  # adds corrected_on (the day the correction was made)

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["corrected_on"] = None

        def apply(self, audit: Audit) -> None:
            for name, value in self.changes.items():
                setattr(audit, name, value)
            audit.reporting_year = self.reporting_year

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
        reference: str | None,
    ) -> None:
        self.reference = reference
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
        self.withdrawn_on: date | None = None

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
        numbering: Numbering | None = None,
    ) -> Audit:
        """`follow_up_of` is the audit `command.follow_up_of` names, loaded by the caller;
        `numbering` gives the reference for the day it is planned for."""
        kind = command.kind
        theme = _required(command.theme, "theme")
        day = command.planned_for
        agency = _optional(command.agency)
        prompted_by = _optional(command.prompted_by)
        _check_kind(framework, kind, agency, prompted_by)
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
        reference = numbering(day) if numbering is not None else None
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
            reference=reference,
            id=record_id(reference),
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
        self._check_standing()
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
        self._check_standing()
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

    def withdraw(self, command: Withdraw, *, actor: Actor, now: datetime, timezone: str) -> None:
        self._check_standing()
        day = withdrawal.day(command.on, now, timezone, self.planned_on, "the audit was planned")
        self.trigger_event(
            self.Withdrawn,
            reason=withdrawal.reason(command.reason),
            withdrawn_on=day,
            actor=actor.as_record(),
            timestamp=now,
        )

    def correct(
        self, framework: Framework, command: CorrectAudit, *, actor: Actor, now: datetime
    ) -> None:
        """Corrects the planning; the same rules as planning hold for the corrected audit."""
        self._check_standing()
        reason = withdrawal.reason(command.reason)
        kind = command.kind if command.kind is not None else self.kind
        theme = _required(command.theme, "theme") if command.theme is not None else self.theme
        planned_for = command.planned_for or self.planned_for
        agency = self.agency if command.agency is None else _optional(command.agency)
        if command.kind is not None and kind != SINGLE_AGENCY_AUDIT and command.agency is None:
            agency = None
        _check_kind(framework, kind, agency, self.prompted_by)
        wanted = {"kind": kind, "theme": theme, "planned_for": planned_for, "agency": agency}
        changes = {k: v for k, v in wanted.items() if getattr(self, k) != v}
        if not changes:
            raise InvalidField(
                next((k for k in wanted if getattr(command, k) is not None), "kind"),
                "a correction must change the kind, theme, date or agency (they are already so)",
            )
        self.trigger_event(
            self.Corrected,
            changes=changes,
            previous={k: getattr(self, k) for k in changes},
            reporting_year=reporting_year(planned_for),
            reason=reason,
            corrected_on=withdrawal.day(
                command.on, now, framework.timezone, self.planned_on, "the audit was planned"
            ),
            actor=actor.as_record(),
            timestamp=now,
        )

    @property
    def is_completed(self) -> bool:
        return self.completed_on is not None

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_on is not None

    def _check_standing(self) -> None:
        if self.is_withdrawn:
            raise RuleViolation(f"the audit was withdrawn on {self.withdrawn_on}: it cannot change")

    @property
    def is_case_audit(self) -> bool:
        return self.kind == MULTI_AGENCY_CASE_AUDIT


def _check_kind(
    framework: Framework, kind: str, agency: str | None, prompted_by: str | None
) -> None:
    if kind not in AUDIT_KINDS:
        allowed = ", ".join(AUDIT_KINDS)
        raise InvalidField("kind", f"'{kind}' is not an audit kind; expected one of: {allowed}")
    if kind == SINGLE_AGENCY_AUDIT:
        if agency is None:
            raise InvalidField("agency", "a single-agency audit names the agency it audits")
        framework.agency(agency)
    elif agency is not None:
        raise InvalidField("agency", "a multi-agency audit names no single agency")
    if prompted_by is not None and kind == MULTI_AGENCY_CASE_AUDIT:
        raise InvalidField(
            "prompted_by",
            "a multi-agency case audit takes its theme from the business plan;"
            " plan a bespoke audit in response to a case review",
        )


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

    class CaseAuditReleased(Event):
        """A case audit withdrawn, or corrected into another kind or year: its place is free."""

        audit_id: str
        reason: str

        def apply(self, programme: AuditProgramme) -> None:
            programme.scheduled.pop(self.audit_id, None)

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

    def release(self, audit_id: str, reason: str, *, actor: Actor, now: datetime) -> None:
        if audit_id not in self.scheduled:
            return
        self.trigger_event(
            self.CaseAuditReleased,
            audit_id=audit_id,
            reason=reason,
            actor=actor.as_record(),
            timestamp=now,
        )

    @property
    def label(self) -> str:
        return year_label(self.year)


def _spell(year: int) -> str:
    first, last = year_bounds(year)
    return f"{first.day} {first:%B %Y} to {last.day} {last:%B %Y}"
